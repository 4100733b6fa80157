"""Shipped keyword lists (data only), per cue, in en/es/fr/de/pt/ru plus zh/ja substrings.

`*_WORDS` entries are lowercase word tokens or space-separated phrases matched on the word
tokens of the request (so "step-by-step" and "step by step" are the same phrase); a trailing
`*` matches any token that starts with the stem. `*_CJK` entries are plain substrings, used
for scripts written without spaces. Keep entries generic: they describe kinds of work, not
particular prompts.
"""

# Programming: languages, libraries, and the verbs and nouns of writing software.
CODE_WORDS = (
    # en
    "code", "coding", "codebase", "programming", "programmer", "script", "scripts", "scripting",
    "shellscript", "function", "functions", "implement*", "refactor*", "debug*", "compile",
    "compiler", "compiling", "algorithm*", "regex", "regexp", "regexes", "regular expression",
    "api", "apis", "sdk", "endpoint", "endpoints", "bug", "bugs", "bugfix", "syntax", "snippet",
    "repo", "repository", "pull request", "unit test*", "test case*", "testbench", "stack trace",
    "traceback", "segfault", "null pointer", "type hint*", "data structure*", "linked list",
    "binary tree", "hash map", "hashmap", "dynamic programming", "recursion", "recursive",
    "boilerplate", "code review", "time complexity", "space complexity", "big o", "class method",
    "constructor", "dataclass*", "struct", "structs", "enum", "namespace", "array", "arrays",
    "integer array", "stdin", "stdout", "cli", "gui", "frontend", "backend", "fullstack",
    "full stack", "webapp", "web app", "chatbot", "plugin", "shader", "jupyter", "microservice*",
    # system design ("Design a multi-region active-active architecture … exactly-once semantics")
    "system design", "distributed system*", "exactly once", "active active", "multi region",
    "lru", "fifo", "mutex", "semaphore", "deadlock", "race condition", "orm", "migrations",
    "database migration", "schema migration", "sql",
    # languages
    "python", "javascript", "js", "typescript", "java", "kotlin", "scala", "golang", "go lang",
    "rust", "ruby", "php", "perl", "haskell", "ocaml", "elixir", "erlang", "clojure", "lua",
    "matlab", "octave", "julia", "fortran", "cobol", "assembly", "asm", "nasm", "verilog", "vhdl",
    "solidity", "dart", "objective c", "bash", "powershell", "zsh", "mysql", "postgres",
    "postgresql", "sqlite", "plsql", "tsql", "graphql", "html", "css", "scss", "xaml", "jsx", "tsx",
    "vba", "vbs", "vbscript", "autolisp", "gdscript", "glsl", "hlsl", "cuda", "opencl", "wasm",
    "webassembly", "promql", "datalog", "prolog", "lisp", "racket", "groovy", "cpp", "csharp",
    "dotnet", "awk", "sed", "jq", "makefile", "cmake", "terraform",
    # libraries and frameworks
    "react", "reactjs", "vue", "vue3", "vuejs", "angular", "svelte", "nextjs", "nuxt", "django",
    "flask", "fastapi", "expressjs", "nodejs", "node", "npm", "pnpm", "yarn", "pip", "conda",
    "numpy", "pandas", "scipy", "sklearn", "scikit", "matplotlib", "seaborn", "plotly", "pytorch",
    "torch", "tensorflow", "keras", "jax", "huggingface", "langchain", "streamlit", "gradio",
    "tkinter", "pyqt", "pyqt5", "pyqt6", "qt", "swiftui", "flutter", "android", "godot", "selenium",
    "playwright", "puppeteer", "beautifulsoup", "beautiful soup", "scrapy", "laravel", "symfony",
    "jquery", "tailwind", "webpack", "vite", "pytest", "junit", "jest", "mocha", "cypress",
    "dataframe", "dataframes", "sqlalchemy", "alembic", "pydantic", "asyncio", "opencv", "yolo",
    "llvm", "gcc", "clang", "wordpress", "drupal", "odoo", "tidyverse", "ggplot", "ggplot2",
    "dplyr",
    # es / pt
    "código", "codigo", "programa", "programación", "programacion", "programação", "función",
    "funcion", "funciones", "função", "funções", "funcao", "implementa*", "implemente*", "depura*",
    "depurar", "algoritmo*", "compilar", "biblioteca",
    # fr
    "programme", "programmation", "fonction", "fonctions", "implémente*", "débogue*", "déboguer",
    "algorithme*",
    # de
    "programmieren", "programmiere", "programmierung", "funktion", "funktionen", "implementiere*",
    "debugge*", "algorithmus", "quellcode", "skript",
    # ru
    "код", "кода", "коде", "кодом", "программ*", "функци*", "скрипт*", "алгоритм*", "реализуй*",
    "реализовать", "отлад*", "эндпоинт*", "сервер*",
)
CODE_CJK = (
    "代码", "函数", "编程", "程序", "脚本", "算法", "调试", "编写", "接口", "报错", "封装", "コード", "関数", "プログラム", "スクリプト",
    "アルゴリズム", "実装", "デバッグ", "バグ",
)

# Computing and infrastructure vocabulary: not code on its own, but not a trivial request either.
TECH_WORDS = (
    "server", "servers", "database", "databases", "db", "deploy*", "docker*", "container*",
    "kubernetes", "k8s", "helm", "ansible", "nginx", "apache", "linux", "ubuntu", "debian", "macos",
    "unix", "command line", "shell", "ssh", "ssl", "tls", "https", "http", "dns", "tcp", "udp",
    "ip", "subnet", "vlan", "vpn", "firewall", "wifi", "router", "network*", "proxy", "cache",
    "caching", "redis", "kafka", "rabbitmq", "aws", "azure", "gcp", "lambda", "s3", "ec2", "saas",
    "json", "yaml", "xml", "csv", "excel", "spreadsheet", "vba", "git", "github", "gitlab", "ci",
    "pipeline", "cron", "systemd", "daemon", "firmware", "bios", "gpu", "gpus", "cpu", "vram",
    "llm", "llms", "neural", "machine learning", "deep learning", "dataset", "datasets", "program",
    "programs", "query", "queries", "schema", "website", "webpage", "browser extension",
    "chrome extension", "r shiny", "binary search", "linux kernel", "interface", "embedding*",
    "tokenizer", "fine tune", "finetune", "browser", "chrome", "firefox", "url", "urls", "install*",
    "config", "configure", "configuration", "encryption", "encrypt", "hashing", "oauth", "jwt",
    "auth", "authentication", "webhook*", "websocket*", "toolbar", "widget", "widgets", "dropdown",
    "textbox", "checkbox", "navbar", "sidebar", "ui", "ux", "smart contract*", "blockchain",
    "thread", "threads", "threading", "async", "concurrency", "multiprocessing", "latency",
    "throughput", "operating system", "virtual machine", "vm", "raspberry", "arduino",
    "microcontroller", "ocr", "svg", "pdf", "sap", "crm", "erp", "etl", "data pipeline", "devops",
    "cybersecurity", "vulnerability", "exploit", "malware", "xss", "cve", "sharding",
    "model training", "frontend", "backend", "localhost",
    # day-to-day software work in agent sessions: terse, but never a trivial request
    "fix", "fixes", "fixing", "broken", "failing", "crash*", "test suite", "tests", "profiler",
    "profiling", "benchmark*", "rollback", "rebase", "commit", "commits", "pr", "prs", "logs",
    "log file", "memory leak", "lint*", "typecheck*", "regression", "staging", "prod", "production",
    "hotfix", "changelog", "dependency", "dependencies", "upgrade", "codecov", "coverage",
    "arregla", "corrige", "corrija", "répare", "behebe", "исправь", "починить", "почини",
    # es/fr/de/pt/ru
    "servidor", "base de datos", "serveur", "base de données", "datenbank", "banco de dados",
    "сервер", "база данных", "базы данных", "развернуть", "nube", "réseau",
)
TECH_CJK = ("服务器", "数据库", "部署", "实现", "缓存", "サーバー", "データベース", "デプロイ", "ネットワーク")

# Mathematics: objects and operations. Weak alone, strong together or with notation.
MATH_WORDS = (
    "integer*", "prime", "primes", "primality", "polynomial*", "equation*", "inequalit*",
    "probability", "probabilities", "derivative*", "integral*", "matrix", "matrices", "determinant",
    "eigen", "eigenvalue*", "eigenvector*", "eigenspace*", "eigendecomposition", "eigenwert*", "eigenvektor*", "theorem*", "lemma", "corollary", "triangle*", "radius", "radii", "diameter",
    "circumference", "perimeter", "hypotenuse", "angle*", "parallelogram", "trapezoid", "polygon*",
    "vertices", "logarithm*", "exponent*", "factorial", "remainder", "divisor*", "modulo", "gcd",
    "lcm", "greatest common divisor", "least common multiple", "digit", "digits", "quotient",
    "fraction*", "arithmetic", "geometric", "real number*", "complex number*", "positive integer*",
    "natural number*", "rational", "irrational", "sqrt", "square root", "parabola", "hyperbola",
    "ellipse", "asymptote*", "slope", "intercept", "coordinate*", "expected value", "variance",
    "standard deviation", "permutation*", "combinatoric*", "binomial", "how many ways",
    "minimum value", "maximum value", "largest possible", "smallest possible", "maximize",
    "minimize", "solve for", "simplify", "sum of", "product of", "mod", "infinitely many",
    "trailing zeros", "trailing zeroes", "smallest positive", "smallest n", "largest n",
    "countable", "uncountable", "bijection", "isomorphi*", "ideal domain", "vector space",
    "convergen*", "diverge*", "limit of", "sequence", "circle", "circles", "sphere", "cube root",
    "whole number*", "perfect square*", "perfect cube*", "consecutive", "reciprocal", "pentagon*",
    "hexagon*", "octagon*", "quadrilateral*", "greatest common factor", "ratio", "ratios",
    "multiple of", "multiples of", "at random", "randomly", "combinations", "arrangements",
    "express your answer", "express the answer", "express the result", "simplest form",
    "common fraction", "nearest tenth", "nearest hundredth", "nearest whole number", "volume of",
    "area of", "total area", "expected number", "divided by", "multiplied by", "minimum number",
    "maximum number", "fewest", "odd numbers", "even numbers", "odd integer", "even integer",
    "calculus", "algebra*", "geometry", "trigonometr*", "statistics", "dice", "coins", "percent",
    "percentage",
    # es / pt
    "ecuación", "ecuacion", "ecuaciones", "equação", "equações", "entero", "enteros", "inteiro",
    "inteiros", "primo", "primos", "probabilidad", "probabilidade", "derivada", "matriz",
    "triángulo", "triangulo", "triângulo", "raíz cuadrada", "raiz quadrada", "polinomio",
    "polinômio", "número primo", "números primos", "divisible",
    # fr
    "équation", "équations", "entier", "entiers", "nombre premier", "nombres premiers",
    "probabilité", "dérivée", "intégrale", "matrice", "racine carrée", "polynôme", "irrationnel*",
    # de
    "gleichung*", "ganzzahl*", "primzahl*", "wahrscheinlichkeit", "ableitung", "dreieck*",
    "quadratwurzel", "polynom", "unendlich viele",
    # ru
    "уравнен*", "целое", "целых", "простых", "простое число", "вероятност*", "производн*",
    "интеграл*", "матриц*", "треугольник*", "квадратный корень", "многочлен*", "градус*", "делится",
    "делимост*", "сколькими способами", "число способов",
    # counting questions in more languages ("how many ways")
    "de cuántas maneras", "de cuántas formas", "de quantas maneiras", "de quantas formas", "combien de façons",
    "auf wie viele arten", "wie viele möglichkeiten", "in quanti modi", "na ile sposobów", "kaç farklı şekilde",
    "kaç şekilde",
)
MATH_CJK = (
    "方程", "整数", "质数", "素数", "概率", "导数", "积分", "矩阵", "三角形", "平方根", "多项式", "方程式", "確率", "微分", "積分",
    "行列", "多項式", "奇数", "偶数", "割り切れ", "天平", "根号", "无理数", "無理数", "有理数", "階乗", "阶乘",
    # ko (Hangul, read as CJK: no spaces needed around them)
    "무리수", "유리수", "제곱근", "방정식", "확률", "미분", "적분", "행렬", "다항식", "정수",
)

# Asking for a proof or a derivation. Strong when the request also talks mathematics.
PROOF_WORDS = (
    "prove", "proves", "proving", "proof", "show that", "demonstrate that", "derive", "derives",
    "derivation", "by induction", "qed", "demuestra", "demuestre", "demostrar", "demostración",
    "demostracion", "pruebe que", "prouve", "prouvez", "prouver", "démontre", "démontrez",
    "démontrer", "démonstration", "montrer que", "montrez que", "beweise", "beweisen", "beweis",
    "zeige dass", "zeigen sie dass", "herleiten", "herleitung", "provar", "demonstre", "demonstrar",
    "demonstração", "mostre que", "докаж*", "доказать", "доказательств*", "выведи", "выведите", "вывод формулы",
    "выводом формулы",
    # more languages ("Dokaži da je zbir prvih n neparnih brojeva jednak n².")
    "dokaži", "dokažite", "dokazati", "udowodnij", "udowodnić", "wykaż", "dokažte", "dokázat", "dokaž", "dokážte",
    "dimostra", "dimostrare", "dimostrate", "dimostrazione", "bewijs dat", "bewijzen", "toon aan dat", "kanıtla",
    "kanıtlayın", "ispatla", "ispatlayın", "buktikan", "bevisa", "todista", "bizonyítsd", "bizonyítsa",
    "demonstrează", "demonstrați", "απόδειξε", "αποδείξτε", "הוכח", "הוכיחו", "أثبت", "برهن", "chứng minh", "доведи",
    "доведіть", "довести", "покажи что", "покажите что", "покажи що", "покажіть що",
)
PROOF_CJK = ("证明", "推导", "求证", "証明", "導出", "증명")

# Puzzles and riddles: a request for reasoning on their own.
PUZZLE_WORDS = (
    "puzzle", "puzzles", "riddle", "riddles", "brain teaser", "logic puzzle", "odd one out",
    "does not belong", "true false or uncertain", "paradox", "syllogism", "trick question",
    "lateral thinking", "fermi", "acertijo", "rompecabezas", "énigme", "casse tête", "rätsel",
    "denksportaufgabe", "charada", "головоломк*", "загадк*",
    # truth-tellers and liars (knights and knaves): named as a puzzle, not as someone's habit
    "knave", "knaves", "truth teller", "truth tellers", "always tells the truth or", "always tell the truth or",
    "or always lies", "or always lie",
    # weighing puzzles ("12 coins, one counterfeit … 3 weighings")
    "weighings", "counterfeit coin", "fake coin",
    "caballeros y escuderos", "caballeros y bribones", "chevaliers et fripons", "chevaliers et menteurs",
    "ritter und schurken", "ritter und lügner", "cavaleiros e patifes", "рыцари и лжецы", "рыцарей и лжецов",
    "şövalyeler ve düzenbazlar", "düzenbaz", "düzenbazlar", "cavalieri e furfanti", "rycerze i łotrzy",
    # a constraint puzzle's own question ("Who works which night? … say whether the solution is unique")
    "solution is unique", "is the solution unique", "unique solution", "who works which", "who lives in which",
    "who owns which", "who sits where",
)
PUZZLE_CJK = ("谜题", "パズル", "なぞなぞ", "骑士和无赖", "骑士与无赖", "说真话的人", "说假话的人", "正直者と嘘つき", "正直族", "嘘つき族")
# Asking for careful, explicit thinking.
REASONING_WORDS = (
    "reasoning", "reason through", "think carefully", "think it through", "logically", "deduce",
    "deduction", "justify", "justify your answer", "explain your reasoning", "show your work",
    "chain of thought", "razonamiento", "razona", "raisonnement", "raisonne", "begründe",
    "begründung", "raciocínio", "raciocine", "рассуждени*", "рассужда*", "обоснуй*",
    # every solution of a constraint problem, or none
    "find all valid", "find all possible", "all integer solutions", "all integer pairs", "all positive integer solutions", "list all valid", "all valid schedules", "all valid arrangements",
    "all possible arrangements", "all possible schedules", "or prove there are none", "prove that there are no others",
    "encuentra todas las soluciones", "todas las soluciones posibles", "trouve toutes les solutions",
    "alle möglichen lösungen", "alle möglichen einteilungen", "alle lösungen", "todas as soluções possíveis",
    "найди все возможные", "найдите все возможные", "все возможные варианты",
)
REASONING_CJK = ("逐步", "一步一步", "推理", "逻辑", "段階的", "推論", "論理", "所有可能的", "推出所有", "すべての可能な", "全ての組み合わせ")
# Weak: also used for plain how-to instructions.
STEPWISE_WORDS = (
    "step by step", "paso a paso", "étape par étape", "schritt für schritt", "passo a passo",
    "пошагов*", "шаг за шагом",
)
STEPWISE_CJK = ("ステップバイステップ",)

# Producing prose: real work for a model, but rarely frontier work.
WRITING_WORDS = (
    "write", "writing", "draft", "compose", "rewrite", "rephrase", "paraphrase", "proofread",
    "essay", "story", "poem", "poetry", "lyrics", "letter", "blog", "speech", "headline", "slogan",
    "tagline", "summary", "summarize", "summarise", "tldr", "outline", "cover letter",
    "press release", "newsletter", "script for", "craft", "escribe", "escribir", "redacta",
    "redactar", "resume", "resumir", "ensayo", "cuento", "poema", "écris", "écrire", "rédige",
    "rédiger", "résume", "résumer", "poème", "lettre", "schreibe", "schreib", "schreiben",
    "verfasse", "formuliere", "zusammenfassung", "fasse", "aufsatz", "gedicht", "einladung",
    "escreva", "escrever", "redija", "resuma", "ensaio", "artigo", "напиши", "напишите", "написать",
    "составь", "перепиши", "сочинение", "эссе", "стихотворение", "письмо", "статью", "перевед*",
)
WRITING_CJK = ("写一", "撰写", "改写", "总结", "摘要", "文章", "書いて", "書き直", "要約", "作文", "記事", "翻訳", "翻译")

# Making something new (not prose, not code by itself).
CREATE_WORDS = (
    "create", "generate", "build", "develop", "design", "invent", "come up with", "brainstorm",
    "crea", "crear", "genera", "construye", "desarrolla", "diseña", "crée", "créer", "génère",
    "construis", "développe", "conçois", "erstelle", "erstellen", "generiere", "baue", "entwickle",
    "entwirf", "crie", "criar", "gere", "construa", "desenvolva", "создай", "создайте",
    "сгенерируй", "построй", "разработай", "придумай",
)
CREATE_CJK = ("创建", "生成", "开发", "搭建", "制作", "设计", "作成", "開発", "構築", "設計")

# Explaining, analysing, comparing, planning: MEDIUM work.
ANALYSIS_WORDS = (
    "explain", "explanation", "analyze", "analysis", "compare", "comparison", "contrast",
    "evaluate", "assess", "assessment", "critique", "pros and cons", "tradeoff*", "trade off*",
    "strategy", "strategies", "design", "architecture", "itinerary", "research", "investigate",
    "recommend*", "in detail", "detailed", "comprehensive", "thorough", "in depth", "elaborate",
    "discuss", "implications", "difference between", "differences between", "how does", "why does",
    "what if", "best way", "best practices", "curriculum", "roadmap", "framework", "business plan",
    "marketing", "swot", "guide", "tutorial", "example", "examples", "explica", "explique",
    "explicar", "describe", "analiza", "compara", "estrategia", "planifica", "expliquer", "décris",
    "analyse", "stratégie", "erkläre", "erklären", "beschreibe", "analysiere", "vergleiche",
    "strategie", "descreva", "analise", "estratégia", "planeje", "объясни", "объясните", "опиши",
    "опишите", "проанализируй*", "сравни", "сравните", "стратеги*", "спланируй",
)
ANALYSIS_CJK = ("分析", "比较", "解释", "说明", "策略", "详细", "比較", "説明", "解説", "戦略", "詳しく", "计划", "計画")

# Conversational turns and everyday assistant intents.
SIMPLE_WORDS = (
    "hi", "hello", "hey", "thanks", "thank you", "thx", "ty", "ok", "okay", "cool", "great", "nice",
    "bye", "goodbye", "good morning", "good night", "yes", "no", "yep", "nope", "sure", "lol",
    "remind", "reminder", "reminders", "alarm", "timer", "weather", "forecast", "calendar",
    "what time", "play", "pause", "volume", "playlist", "music", "call", "turn on", "turn off",
    "lights", "thermostat", "spell", "how do you say", "definition", "define", "convert", "joke",
    "fun fact", "flip a coin", "translate", "translation", "roll a", "what day", "today",
    "tomorrow", "tonight", "hola", "gracias", "vale", "adiós", "buenos días", "recuérdame",
    "recordatorio", "alarma", "temporizador", "clima", "calendario", "qué hora", "bonjour", "salut",
    "merci", "d accord", "au revoir", "rappelle", "rappel", "réveil", "météo", "calendrier",
    "quelle heure", "hallo", "danke", "tschüss", "guten morgen", "erinnere", "erinnerung", "wecker",
    "wetter", "kalender", "wie spät", "olá", "oi", "obrigado", "obrigada", "tchau", "bom dia",
    "lembre", "lembrar", "lembrete", "alarme", "que horas", "привет", "спасибо", "пока",
    "доброе утро", "напомни*", "напоминани*", "будильник", "таймер", "погод*", "календар*",
    "который час",
    # Everyday requests in more languages: how do you say / translate a phrase, spelling, alphabetical order,
    # politer wording, remind me, thanks ("¿Cómo se dice ... en inglés?", "Coloca esses nomes em ordem alfabética").
    "cómo se dice", "comment dit-on", "comment on dit", "wie sagt man", "come si dice", "como se diz", "como se fala",
    "как сказать", "как будет", "як сказати", "jak powiedzieć", "nasıl denir", "bagaimana mengatakan",
    "traduce", "tradúceme", "traduis", "traduisez", "übersetze", "traduci", "traduza", "переведи", "переведите",
    "переклади", "перекладіть", "przetłumacz", "çevir", "terjemahkan", "ortografía", "ortografia", "orthographe",
    "rechtschreibung", "yazım", "орфографи*", "typo", "typos", "alfabética", "alfabético", "alphabétique",
    "alphabetisch", "alfabetico", "alfabetica", "alphabetical", "alphabetically", "алфавит*", "höflicher",
    "plus poli", "más educado", "más formal", "più gentile", "mais educado", "вежливее", "ricordami", "ricordarmi",
    "herinner", "przypomnij", "hatırlat*", "ingatkan", "grazie", "dank je", "bedankt", "dziękuję", "teşekkür*",
    "terima kasih", "cảm ơn", "tack", "kiitos", "ευχαριστώ", "ping",
)
SIMPLE_CJK = (
    "你好", "谢谢", "再见", "早上好", "好的", "提醒", "闹钟", "天气", "日历", "几点", "こんにちは", "ありがとう", "おはよう", "リマインド",
    "アラーム", "タイマー", "天気", "カレンダー", "何時", "怎么说", "用英语", "用日语", "と言いますか", "って何て言う", "어떻게 말해",
    "감사합니다", "고마워", "धन्यवाद", "शुक्रिया", "याद दिला", "شكرا", "תודה",
)

# Questions asking for a quantity ("how many ...", "what is the total ..."): with numbers, a word problem.
QUANTITY_WORDS = (
    "how many", "how much", "how long", "how far", "how old", "how fast", "what percent",
    "what percentage", "find the", "calculate the", "compute the", "the total", "the sum",
    "the difference", "the average", "the probability", "the smallest", "the largest",
    "the greatest", "the least", "the fewest", "the minimum", "the maximum", "the value of",
    "the number of", "the area", "the length", "the percentage", "the remainder", "cuántos",
    "cuántas", "cuánto", "cuanto", "cuantos", "combien", "wie viele", "wie viel", "quantos",
    "quantas", "quanto", "сколько",
)
QUANTITY_CJK = ("多少", "几个", "いくつ", "何個", "何人")

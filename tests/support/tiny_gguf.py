"""Write a tiny random-weight llama-architecture GGUF that the real llama-server loads and serves."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np

N_EMBD = 64
N_LAYER = 2
N_HEAD = 4
N_FF = 128
N_CTX = 4096  # llama-server caps the slot context at the training context
SEED = 1234

# Hermes/Qwen2.5-style ChatML template: llama-server's --jinja tool support reads tools and
# <tool_call> blocks from it; without tools it renders plain ChatML.
CHAT_TEMPLATE = """\
{%- if tools %}
{{- '<|im_start|>system\\n' }}
{%- if messages[0].role == 'system' %}{{- messages[0].content + '\\n\\n' }}{%- endif %}
{{- '# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n' }}
{{- 'You are provided with function signatures within <tools></tools> XML tags:\\n<tools>' }}
{%- for tool in tools %}{{- '\\n' }}{{- tool | tojson }}{%- endfor %}
{{- '\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments '
    'within <tool_call></tool_call> XML tags:\\n<tool_call>\\n'
    '{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n' }}
{%- elif messages[0].role == 'system' %}
{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
{%- endif %}
{%- for message in messages %}
{%- if message.role == 'user' or (message.role == 'system' and not loop.first) %}
{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}
{%- elif message.role == 'assistant' %}
{{- '<|im_start|>assistant' }}
{%- if message.content %}{{- '\\n' + message.content }}{%- endif %}
{%- if message.tool_calls %}
{%- for tool_call in message.tool_calls %}
{%- if tool_call.function is defined %}{%- set tool_call = tool_call.function %}{%- endif %}
{{- '\\n<tool_call>\\n{"name": "' + tool_call.name + '", "arguments": ' }}
{%- if tool_call.arguments is string %}{{- tool_call.arguments }}{%- else %}{{- tool_call.arguments | tojson }}{%- endif %}
{{- '}\\n</tool_call>' }}
{%- endfor %}
{%- endif %}
{{- '<|im_end|>\\n' }}
{%- elif message.role == 'tool' %}
{%- if loop.first or messages[loop.index0 - 1].role != 'tool' %}{{- '<|im_start|>user' }}{%- endif %}
{{- '\\n<tool_response>\\n' + message.content + '\\n</tool_response>' }}
{%- if loop.last or messages[loop.index0 + 1].role != 'tool' %}{{- '<|im_end|>\\n' }}{%- endif %}
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}
"""

_CONTROL = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
_WORDS = ["▁", "▁the", "▁a", "▁hello", "▁world", "▁tool", "{", "}", "\"", ":"]
# What the model may emit: plain ASCII words. Random bytes would form invalid UTF-8 and markup
# like `<` or `{`, which llama-server's tool-call parser rejects with a 500 (about 3% of requests).
_SAFE_BYTES = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,!?-"
_SAFE_WORDS = {"▁", "▁the", "▁a", "▁hello", "▁world", "▁tool"}


def _vocab() -> tuple[list[str], list[float], list[int]]:
    """Return SPM tokens, scores and types: control tokens, 256 byte-fallback tokens, a few words."""
    tokens, scores, types = [], [], []
    for i, tok in enumerate(_CONTROL):
        tokens.append(tok)
        scores.append(0.0)
        types.append(gguf.TokenType.UNKNOWN if i == 0 else gguf.TokenType.CONTROL)
    for b in range(256):
        tokens.append(f"<0x{b:02X}>")
        scores.append(0.0)
        types.append(gguf.TokenType.BYTE)
    for i, word in enumerate(_WORDS):
        tokens.append(word)
        scores.append(-float(i + 1))
        types.append(gguf.TokenType.NORMAL)
    return tokens, scores, [int(t) for t in types]


def _emit_bias(tokens: list[str]) -> np.ndarray:
    """Return +1 for tokens the model may emit and -1 for all others (never EOS, so it runs to max_tokens)."""
    safe = {f"<0x{b:02X}>" for b in _SAFE_BYTES} | _SAFE_WORDS
    return np.array([1.0 if t in safe else -1.0 for t in tokens])


def write_tiny_gguf(path: Path) -> Path:
    """Write the tiny model to `path` deterministically and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    tokens, scores, types = _vocab()
    n_vocab = len(tokens)

    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("larouter-tiny-test")
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD)
    w.add_rope_dimension_count(N_EMBD // N_HEAD)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(n_vocab)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)

    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_unk_token_id(0)
    w.add_bos_token_id(1)
    w.add_eos_token_id(_CONTROL.index("<|im_end|>"))
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(CHAT_TEMPLATE)

    def mat(rows: int, cols: int) -> np.ndarray:
        """Return a random weight matrix shaped (out, in), as GGUF expects it."""
        return rng.standard_normal((rows, cols)) * 0.02

    def f16(a: np.ndarray) -> np.ndarray:
        """Return `a` as f16 (matrices); norms stay f32."""
        return a.astype(np.float16)

    def norm() -> np.ndarray:
        """Return a unit RMS-norm weight vector."""
        return np.ones(N_EMBD, dtype=np.float32)

    # Dimension 0 of the residual stream is a constant "bias channel": every embedding has 1.0
    # there, no layer reads or writes it, and column 0 of output.weight turns it into a logit
    # bias of about +/-8 that confines sampling to _emit_bias's safe tokens.
    embd = mat(n_vocab, N_EMBD)
    embd[:, 0] = 1.0
    out = mat(n_vocab, N_EMBD)
    out[:, 0] = _emit_bias(tokens)
    w.add_tensor("token_embd.weight", f16(embd))
    w.add_tensor("output_norm.weight", norm())
    w.add_tensor("output.weight", f16(out))
    for i in range(N_LAYER):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", norm())
        for name in ("attn_q", "attn_k", "attn_v"):
            m = mat(N_EMBD, N_EMBD)
            m[:, 0] = 0.0
            w.add_tensor(p + name + ".weight", f16(m))
        attn_out = mat(N_EMBD, N_EMBD)
        attn_out[0, :] = 0.0
        w.add_tensor(p + "attn_output.weight", f16(attn_out))
        w.add_tensor(p + "ffn_norm.weight", norm())
        for name in ("ffn_gate", "ffn_up"):
            m = mat(N_FF, N_EMBD)
            m[:, 0] = 0.0
            w.add_tensor(p + name + ".weight", f16(m))
        down = mat(N_EMBD, N_FF)
        down[0, :] = 0.0
        w.add_tensor(p + "ffn_down.weight", f16(down))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path

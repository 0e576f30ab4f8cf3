"""What a split will cost before it starts: tiktoken counts × the price table.

Input tokens are exact counts of the messages the LLM splitter sends (the prompt with its
few-shot examples once per conversation, plus the conversation). Output is bounded the way
the splitter bounds each request (`chunking.output_bound`): an answer restates the
conversation's questions and answers, so it never needs much more than the conversation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from ..llm.pricing import PRICES_ENV_VAR, PriceFileError, model_prices
from ..llm.usage import format_usd
from ..models import Conversation
from ..tokens import count_chat_tokens, encoding_name_for_model, get_encoding, message_strings
from .chunking import output_bound


class CostRefused(RuntimeError):
    """``--max-cost`` forbids the run: the estimate exceeds it or cannot be made."""


@dataclass
class CostEstimate:
    model: str
    conversations: int
    input_tokens: int
    output_tokens: int  # the bound described above
    cost_usd: float | None  # None: the model's price is unknown
    batch: bool = False
    note: str = ""  # why the price is unknown

    def to_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        tokens = (f"{self.conversations:,} conversation(s), {self.input_tokens:,} tokens in, "
                  f"at most {self.output_tokens:,} out")
        if self.cost_usd is None:
            return f"estimated cost: unknown ({self.note}); {tokens}"
        tier = " at Batch API prices" if self.batch else ""
        return f"estimated cost: {format_usd(self.cost_usd)}{tier} for {tokens}"


def _is_local(model: object) -> bool:
    endpoint = getattr(model, "endpoint", None)
    if endpoint is not None:
        return bool(endpoint.is_local)
    return bool(getattr(model, "local", False))


def estimate_split(splitter: object, conversations: Iterable[Conversation], *,
                   batch: bool = False) -> CostEstimate | None:
    """The estimate for an LLM splitter over `conversations`; None for offline splitters."""
    llm = getattr(splitter, "llm", None)
    messages_for = getattr(splitter, "request_messages", None)
    if llm is None or messages_for is None:
        return None
    model = str(llm.model_id)
    enc = get_encoding(encoding_name_for_model(model))
    limit = int(getattr(splitter, "max_output_tokens", 4096))
    prefix_tokens: int | None = None
    count = tokens_in = tokens_out = 0
    for conversation in conversations:
        messages = messages_for(conversation)
        if prefix_tokens is None:
            prefix_tokens = count_chat_tokens(messages[:-1], enc)
        strings, extra = message_strings(messages[-1])
        own = extra + sum(len(enc.encode_ordinary(s)) for s in strings)
        count += 1
        tokens_in += prefix_tokens + own
        tokens_out += output_bound(own, limit)
    note = ""
    try:
        prices = model_prices(model, local=_is_local(llm), batch=batch)
    except PriceFileError as exc:
        prices, note = None, str(exc)
    if prices is None and not note:
        note = f"no price for model {model!r} in the table; set {PRICES_ENV_VAR} to give one"
    cost = prices.cost(tokens_in, tokens_out) if prices is not None else None
    return CostEstimate(model, count, tokens_in, tokens_out, cost, batch, note)


def check_budget(estimate: CostEstimate | None, max_cost: float | None) -> None:
    """Raise `CostRefused` when `max_cost` is set and the estimate exceeds it or is unknown."""
    if max_cost is None or estimate is None:
        return
    if estimate.cost_usd is None:
        raise CostRefused(f"--max-cost cannot be checked: {estimate.note}")
    if estimate.cost_usd > max_cost:
        raise CostRefused(
            f"estimated cost {format_usd(estimate.cost_usd)} for {estimate.conversations:,} "
            f"conversation(s) exceeds --max-cost {format_usd(max_cost)}; split fewer or "
            "raise the limit")

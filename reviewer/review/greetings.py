"""Greetings, identity questions and pleasantries in English and Korean.

A text is *small talk* when, after removing every greeting, thanks, farewell, "how can I
help", waiting, acknowledgement and name/contact phrase, almost nothing is left. A technical
question that starts with "Hello," or ends with "Thanks!" keeps its content and is not.
"""

from __future__ import annotations

import re

from .overlap import units

# Fewer letters than this left over (Hangul counted as jamo) is "almost nothing": a product
# or company name ("Vela", "HexaNet support") or a lone "yes"/"네", not a question or answer.
MAX_LEFTOVER_UNITS = 12
# Small talk is short; longer texts are not searched at all (keeps the check linear).
MAX_SMALL_TALK_CHARS = 600

_EN = r"""
    \b(?:hi|hello|hey|greetings|dear|good\ (?:morning|afternoon|evening|day))\b(?:\ there)?
  | \b(?:thank\ you|thanks?|thx|ty)\b(?:\ (?:so|very)\ much|\ a\ lot)?
        (?:\ (?:for|again)\b(?:\ (?:(?:contacting|reaching\ out\ to|calling|choosing)
        (?:\ [\w-]+){0,3}|reaching\ out|waiting|your\ (?:patience|help|time|message|question
        |inquiry|enquiry)|the\ (?:help|info|quick\ reply))\b)?)?
  | \b(?:you(?:'|’)?re|you\ are)\ welcome\b | \bno\ (?:problem|worries)\b | \bmy\ pleasure\b
  | \b(?:glad|happy)\ (?:to|i\ could|we\ could|it|that)\ (?:help(?:ed)?|work(?:ed|s)?)\b
  | \bhow\ (?:can|may|could)\ (?:i|we)\ (?:help|assist)(?:\ you)?(?:\ today)?\b
  | \bwhat\ can\ i\ do\ for\ you(?:\ today)?\b
  | \bthat(?:'s|\ is)\ all(?:\ for\ (?:now|today))?\b
  | \b(?:have\ a\ (?:nice|good|great)\ (?:day|one|weekend|evening)|(?:good)?bye|see\ you
        |take\ care|cheers|best\ regards|kind\ regards|regards)\b
  | \b(?:please\ )?(?:hold\ on|wait|bear\ with\ me)(?:\ a\ (?:moment|minute|second))?
        (?:\ please)?\b | \b(?:one|just\ a)\ (?:moment|minute|second)(?:\ please)?\b
  | \b(?:ok(?:ay)?|great|perfect|awesome|got\ it|understood|sure|alright|i\ see|sounds\ good)\b
  | \bmy\ name\ is\ [a-z]+(?:\ [a-z]+)?
  | \b(?:this\ is|i\ am|i'm)\ [a-z]+(?:\ [a-z]+)?\ (?:from|with|at)\ [a-z0-9-]+(?:\ [a-z]+)?
  | \b(?:can|could|may)\ i\ (?:have|get|know|ask)\ (?:your|the)\ (?:full\ )?(?:name|email
        |e-mail|phone\ number|contact\ (?:details|number|information)|customer\ (?:id|number))
        (?:\ please)?
  | \bwhat(?:'s|\ is)\ your\ (?:full\ )?(?:name|email|e-mail|phone\ number)
  | \b(?:who\ am\ i\ speaking\ with|who\ is\ this)\b
"""

_KO = r"""
    안녕(?:하세요|하십니까|히\s*(?:계세요|가세요))
  | 문의\s*(?:드립니다|드려요|드리려고\s*합니다)
  | (?:문의|연락|이용)\s*(?:해\s*)?주셔서\s*(?:감사|고맙)(?:합니다|드립니다|해요)
  | 감사(?:합니다|드립니다|해요)|고맙(?:습니다|습니당|어요)|수고(?:하세요|하셨습니다|많으셨습니다)
  | 천만에요|별말씀을요|도움이\s*되(?:어|었다니|셨다니)[^.!?\n]{0,12}
  | (?:무엇을|뭘|어떻게|무엇이든)\s*도와\s*드릴(?:까요|게요)
  | 좋은\s*하루\s*(?:되세요|보내세요)
  | 잠시만(?:\s*기다려\s*주(?:세요|십시오|시겠어요))?
  | 네,?\s*알겠습니다|확인했습니다|알겠습니다
  | (?:기술\s*지원|고객\s*(?:센터|지원)|상담원|상담사|엔지니어|담당자|지원팀)(?:의)?\s*\S{0,5}?
        (?:입니다|이에요|예요)
  | (?:저는|제\s*이름은)\s*\S{1,8}(?:입니다|이에요|예요)
  | (?:고객님\s*)?(?:의\s*)?(?:성함|이름|연락처|전화\s*번호|이메일(?:\s*주소)?)(?:이|을|은|를)?
        \s*(?:어떻게\s*(?:되시나요|되세요|되십니까)|(?:좀\s*)?(?:알려|말씀해)\s*주(?:시겠어요|세요
        |실\s*수\s*있을까요|시겠습니까)|여쭤\s*봐도\s*될까요)
"""

_SMALL_TALK = re.compile(f"(?:{_EN})|(?:{_KO})", re.VERBOSE | re.IGNORECASE)


def small_talk(text: str) -> tuple[bool, str]:
    """``(is small talk, the matched phrases joined by " / ")`` for one text."""
    if not text or len(text) > MAX_SMALL_TALK_CHARS:
        return False, ""
    text = " ".join(text.replace("’", "'").split())
    found = [m.group() for m in _SMALL_TALK.finditer(text)]
    if not found:
        return False, ""
    leftover = _SMALL_TALK.sub(" ", text)
    return len(units(leftover)) < MAX_LEFTOVER_UNITS, " / ".join(found[:3])

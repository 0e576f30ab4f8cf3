"""Small English and Korean items shared by the evaluation tests."""

from __future__ import annotations

from reviewer.evaluation import EvalItem

ITEMS = [
    EvalItem("en-1", "How do I reset the router?",
             "Unplug the router, wait ten seconds and plug it back in.",
             "Unplug the router, wait ten seconds, then plug it in again."),
    EvalItem("en-2", "Which firmware fixes the SPI timeout?",
             "Firmware 2.4 fixes the SPI timeout at 80 MHz.",
             "Our office is closed on public holidays."),
    EvalItem("ko-1", "비밀번호를 어떻게 바꾸나요?",
             "설정 메뉴에서 계정을 선택한 뒤 비밀번호 변경을 누르세요.",
             "설정 메뉴에서 계정을 고르고 비밀번호 변경 버튼을 누르세요."),
    EvalItem("ko-2", "배송은 얼마나 걸리나요?",
             "배송은 보통 영업일 기준 3일 정도 걸립니다.",
             "드라이버를 제거하고 재부팅한 뒤 다시 설치해 주세요."),
]


def with_answers(answers: dict[str, str]) -> list[EvalItem]:
    """ITEMS with some answers replaced (by item id)."""
    return [EvalItem(i.item_id, i.question, i.reference, answers.get(i.item_id, i.answer))
            for i in ITEMS]

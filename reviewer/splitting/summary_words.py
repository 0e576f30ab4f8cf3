"""Word lists for the offline summary: stopwords, units, generic nouns and Korean endings."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Measurement units (compared lower-case); a token made of one of these is never a topic.
UNITS = _words("""
hz khz mhz ghz v mv kv ma ua µa a w mw kw ms us µs ns s sec secs bit bits kbit mbit gbit bps
kbps mbps gbps b kb mb gb tb kib mib gib byte bytes ohm ohms kohm db dbm mm cm km metre metres
meter meters inch inches rpm fps ppm
""")

# Tokens shaped like part numbers that name protocols, encodings, ports or errors instead.
NOT_PRODUCTS = _words("""
ipv4 ipv6 utf-8 utf8 utf-16 md5 sha1 sha256 sha-256 mp3 mp4 h264 h265 http2 http3 tls1.2 tls1.3
x86 x64 x86-64 arm64 aarch64 i2c i2s 802.11 rs232 rs-232 rs485 rs-485 base64 win32 win64 q1 q2
q3 q4 pm2 cp949 euc-kr iso-8859-1 2fa c99 c11 c++17 ddr3 ddr4 ddr5 gddr6 usb2 usb3 ac97 3v3 5v0
""")
# Family words that may precede a bare number ("RTX 4090") but not when they mean something else.
NOT_FAMILIES = _words("""
port http https error code step line page row index item version driver firmware rev revision
pin pins gen option case ticket order table figure chapter section room tel fax box
""")

# Acronyms and capitalised labels that are not worth a topic: chat words, signal and pin names,
# button labels, generic hardware.
ACRONYM_STOP = _words("""
OK I AM PM FYI ASAP BTW THX TIA PS EN KO KR US UK QA FAQ IMO AFAIK LOL OP RE FW CC ETA TBD NB ID
PC RMA GND VCC VDD VSS SDA SCL SCLK MOSI MISO CS RX TX RST RSTN VREF BOOT RESET CA IDE AT
""")

# Capitalised words that can stand before a model number without being a brand.
BRAND_STOP = _words("""
The This That These Those There Then Thanks Thank Hello Hi Hey Please Could Would Should Can Will
What When Where Which While Who Why How With Also Just Regards Best Dear Sorry Yes No Okay Our My
Your Their His Her Its We You They It Is Are Was Were Does Do Did Has Have Had Use Using Used
Updating Update Flash Flashing Install Installing Set Setting Check Connect Connected After Before
Since Until From For And But Or If So On In At To Of By Into Onto Over Under About New Old Same
Both Each Every Any All Some Only Even Still Hold Tap Send Run Try Cut Keep Add Select Make Move
Moving Buy Bought Ordered Order Replace Replaced Reflash Reset Board Chip Module Card Part Model
Customer Engineer Support Agent User Team Monday Tuesday Wednesday Thursday Friday Saturday
Sunday January February March April May June July August September October November December
Windows Linux Ubuntu Debian Android Ethernet Port Error Driver Firmware Version Erratum Errata
Gen Rev Revision Pin Step Line Ticket English Korean
""")

# English words that never make a topic on their own (function words, chat, common verbs,
# generic nouns for the product itself).
EN_STOP = _words("""
a about above after again against all almost along already also although always am among an
and another any anybody anyone anything anyway anywhere are around as ask asked at away back be
became because become been before being below best better between both bring but by call came
can cannot can't case cause certain change check checked come comes could couldn't currently
day days dear did didn't different do does doesn't doing done don't down during each either
else enough even ever every everything example except fine first fix fixed following for found
from full further get gets getting give given go goes going gone good got great had hadn't half
happen happened happens has hasn't have haven't having he hello help her here hey hi him his how
however i i'd i'll i'm i've if in instead into is isn't it it's its itself just keep kind know
known last later least less let let's lets like likely little long look looks lot lots made
make makes making many may maybe me mean means might mine more most much must my myself need
needed needs never new next no none nor not nothing now of off often ok okay old on once one
only or other others otherwise our ours out over own part people per perhaps please point
possible pretty probably problem problems put question questions quite rather really regards
right said same saw say says see seem seemed seems seen set several she should shouldn't show
shows since so some somebody someone something sometimes soon sorry still such sure take takes
taken tell than thank thanks that that's the their theirs them then there there's these they
they're thing things think this those though through thus time times to today together too took
tried tries try trying two three four five under unless until up upon us use used uses using
usually very via want wanted wants was wasn't way ways we we're we've well went were weren't
what what's when where whether which while who whom whose why will with within without won't
work worked working works would wouldn't yes yet you you'd you'll you're you've your yours
board boards chip chips module modules card cards device devices unit units product products
customer engineer support team issue issues anymore also again first second third typical
typically usual around enough able unable approximately roughly sometimes whole same other
send sends sent run runs ran break breaks broke brick bricked resume resumes resumed draw draws
drew stop stops stopped reach reaches reached lose loses lost return returns returned start
starts started wrong right instead detect detected reply replies read reads call calls called
turn turns turned hold holds held bring seeing see sees happen still enable enabled disable
disabled fail fails failed
""")

# Korean words that never make a topic (greetings, fillers, pronouns, generic nouns).
KO_STOP = _words("""
안녕하세요 감사합니다 고맙습니다 문의 문의드립니다 질문 답변 확인 부탁드립니다 혹시 그리고
그런데 하지만 그래서 제가 저희 이거 그거 저거 어떻게 무엇 무엇을 지금 현재 경우 사용 관련
내용 부분 방법 문제 가능 다시 이번 고객님 엔지니어 상담원 네 아니요 정도 이상 이하 때문 좀
많이 계속 어느 아무 모두 각각 바로 같이 함께 훨씬 가끔 항상 자주 이제 앞으로 이런 그런 저런
해결 원인 보드 모듈 제품 장치 칩 카드 기기 대신 약 또는 및 등 더 잘 꼭 안 못 후 뒤 전 중 때
이전 다음 기본 별도 그대로 먼저 이후 그래도 도움 기술지원 번째 가지 개수만 있는 없는 같은 다른
어떤 모든 여러 정말 너무 아직 이미
""")

# Particles to strip from the end of a Korean word. `AFTER_CONSONANT` ones only follow a
# syllable with a final consonant, `AFTER_VOWEL` ones only a syllable without one, so a word
# like 와이파이 keeps its last syllable while 모듈이 loses the particle.
KO_PARTICLES_ANY = ("에서는", "에서도", "에서", "에게", "한테", "까지", "부터", "처럼", "보다",
                    "마다", "에는", "에도", "의", "에", "도", "만", "랑", "로서", "로써")
KO_PARTICLES_AFTER_CONSONANT = ("으로는", "으로", "이나", "이랑", "과", "은", "이", "을")
KO_PARTICLES_AFTER_VOWEL = ("로는", "로", "나", "와", "는", "가", "를")

# Nouns ending in 도 (degree, speed) where 도 is not the particle "also".
KO_DO_NOUNS = ("온도", "습도", "속도", "강도", "밀도", "농도", "각도", "빈도", "감도", "정확도",
               "해상도", "용도", "고도", "한도", "난이도", "선명도", "휘도", "조도")

# Endings that mark a verb or adjective form, not a topic noun.
KO_VERB_ENDINGS = ("다", "요", "까", "죠", "네", "면", "고", "서", "지", "며", "니", "게", "도록",
                   "는데", "는지", "습니다", "세요", "려면", "ㄴ데", "던", "든", "자")
# A verbal noun followed by one of these is cut back to the noun: 실패합니다 → 실패.
KO_VERB_SUFFIXES = ("하", "했", "합", "할", "함", "한", "해", "되", "된", "될", "됩", "됐", "돼",
                    "시키", "시켜")
# Verb suffixes that make the word describe the next one (저장된 설정, 간단한 방법).
KO_ADNOMINAL = ("된", "한", "될", "할", "되는", "하는")

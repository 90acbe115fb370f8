"""Reading one raw e-mail (pure: bytes in, plain data out).

Python's ``email`` package with ``policy.default`` decodes headers (RFC 2047,
RFC 2231) and bodies; ISO-2022-JP and Shift_JIS parts from older Japanese mail
clients are decoded with the supersets those clients actually write. HTML-only
mail becomes text with inscriptis. Quoted history and signatures are removed
with mail-parser-reply, after the reply headers it does not know (Japanese
clients' 「…のメッセージ:」「…さんは書きました:」, Outlook's 「差出人: / 送信日時:」
block, a bare 「〇〇 wrote:」 above quoted lines) have been cut here."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses

from inscriptis import get_text
from mailparser_reply.parser import EmailMessage as ReplyText

# --- headers --------------------------------------------------------------------------------------

PRECEDENCE_AUTOMATED = {"bulk", "junk", "list", "auto_reply"}
AUTOREPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")
# Out-of-office subjects. 「不在」 only as a word of its own (【不在】, 不在通知, 不在: …),
# never inside 不在者投票 (absentee voting, a real consultation topic).
AUTOREPLY_SUBJECT = re.compile(
    r"out of (?:the )?office|automatic reply|auto[- ]?reply|autoreply|auto-response|vacation reply"
    r"|自動応答|自動返信|自動送信|不在(?:通知|連絡|のお知らせ|のご連絡|中)|(?:^|[\s【\[(（「])不在(?=$|[\s】\])）」:：])",
    re.IGNORECASE,
)
# Where a mailbox read over IMAP says whom a mail was for, most exact first.
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")
BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
BOUNCE_SUBJECT = re.compile(
    r"^(?:undeliverable|undelivered mail|delivery status notification|mail delivery failed"
    r"|returned mail|failure notice|配信不能|配送エラー|送信エラー)",
    re.IGNORECASE,
)


def header_message_id(raw: bytes) -> str:
    """The Message-ID, or (none given) one derived from the bytes: the same mail delivered twice has the same."""
    try:
        value = str(BytesHeaderParser(policy=policy.default).parsebytes(raw).get("Message-ID") or "").strip()
    except Exception:  # a broken header is judged when the mail is processed
        value = ""
    return value[:500] if value else f"<sha256-{hashlib.sha256(raw).hexdigest()}@banso.invalid>"


@dataclass
class Headers:
    from_address: str
    subject: str
    recipients: list[str] = field(default_factory=list)
    return_path: str | None = None  # None: no Return-Path header


def parse_headers(raw: bytes) -> Headers:
    """The headers only, for the record made on receipt (the body is read when processed)."""
    try:
        message = BytesHeaderParser(policy=policy.default).parsebytes(raw)
        return_path = message.get("Return-Path")
        return Headers(
            from_address=_address(message.get("From")),
            subject=" ".join(str(message.get("Subject") or "").split()),
            recipients=addresses(value for name in RECIPIENT_HEADERS for value in message.get_all(name) or []),
            return_path=None if return_path is None else _address(return_path),
        )
    except Exception:  # a broken header is judged when the mail is processed
        return Headers(from_address="", subject="")


def _address(value) -> str:
    try:
        found = getaddresses([str(value or "")])
    except Exception:
        return ""
    for _name, address in found:
        if "@" in address:
            return address.strip().lower()
    return ""


def addresses(values) -> list[str]:
    found = []
    for value in values:
        try:
            found += [address.strip().lower() for _name, address in getaddresses([str(value)]) if "@" in address]
        except Exception:  # noqa: S112 - one unreadable header does not stop the others
            continue
    return found


# --- bodies ---------------------------------------------------------------------------------------

# What older Japanese mail clients write under these names (NEC and IBM extensions, ①, ㈱ …).
CHARSETS = {
    "iso-2022-jp": ("iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004"),
    "shift_jis": ("cp932", "shift_jis_2004"),
    "shift-jis": ("cp932",),
    "sjis": ("cp932",),
    "x-sjis": ("cp932",),
    "windows-31j": ("cp932",),
    "euc-jp": ("euc_jp", "euc_jis_2004"),
}


ESCAPES = {b"\x1b(B": "ascii", b"\x1b(J": "ascii", b"\x1b$@": "jis", b"\x1b$B": "jis", b"\x1b(I": "kana"}


def iso2022jp_as_windows(payload: bytes) -> str:
    """ISO-2022-JP as Windows clients write it (CP50220: NEC and IBM extensions such
    as ① or ㈱ inside JIS X 0208 sequences), which Python's codecs refuse: each
    double-byte pair is mapped to Shift_JIS and decoded as cp932."""
    out, mode, index = bytearray(), "ascii", 0
    while index < len(payload):
        escape = payload[index : index + 3]
        if escape in ESCAPES:
            mode, index = ESCAPES[escape], index + 3
            continue
        byte = payload[index]
        if mode == "jis" and byte > 0x20 and index + 1 < len(payload):
            row, cell = byte, payload[index + 1]
            lead = (row + 1) // 2 + 0x70
            lead += 0x40 if lead >= 0xA0 else 0
            trail = (cell + 0x1F + (cell >= 0x60)) if row % 2 else cell + 0x7E
            out += bytes((lead, trail))
            index += 2
            continue
        out.append(byte + 0x80 if mode == "kana" and 0x21 <= byte <= 0x5F else byte)
        index += 1
    return out.decode("cp932", errors="replace")


def decode_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = (part.get_content_charset() or "us-ascii").lower()
    for candidate in (*CHARSETS.get(charset, ()), charset):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    if charset == "iso-2022-jp":
        return iso2022jp_as_windows(payload)
    for candidate in ("utf-8", "cp932"):  # a wrong or unknown label: what Japanese mail most often is
        try:
            return payload.decode(candidate)
        except UnicodeDecodeError:
            continue
    return payload.decode("utf-8", errors="replace")


@dataclass
class Part:
    name: str
    content: bytes


@dataclass
class Parsed:
    message_id: str
    from_address: str
    subject: str
    recipients: list[str]
    return_path: str | None  # None: no Return-Path header (SMTP gives the envelope itself)
    automated: str = ""  # why it is an auto-reply, or empty
    bounce: str = ""  # why it is a bounce, or empty
    text: str = ""  # the whole text body (HTML turned into text)
    attachments: list[Part] = field(default_factory=list)

    @property
    def reply(self) -> str:
        return latest_reply(self.text)


def parse(raw: bytes) -> Parsed:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    subject = " ".join(str(message.get("Subject") or "").split())[:500]
    from_address = _address(message.get("From"))
    return_path = message.get("Return-Path")
    parsed = Parsed(
        message_id=header_message_id(raw),
        from_address=from_address,
        subject=subject,
        recipients=addresses(value for name in RECIPIENT_HEADERS for value in message.get_all(name) or []),
        return_path=None if return_path is None else _address(return_path),
    )
    parsed.bounce = _bounce(message, from_address, subject)
    parsed.automated = _automated(message, subject)
    if parsed.bounce or parsed.automated:
        return parsed  # recorded, never read further
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        text = decode_text(body)
        parsed.text = get_text(text) if body.get_content_subtype() == "html" else text
    for part in message.iter_attachments():
        name = part.get_filename()
        if not name or part.is_multipart():
            continue  # an unnamed inline part (a logo in a signature) or an attached mail
        parsed.attachments.append(Part(name=str(name), content=part.get_payload(decode=True) or b""))
    return parsed


def _bounce(message: EmailMessage, from_address: str, subject: str) -> str:
    if message.get_content_type() == "multipart/report":
        return f"multipart/report ({message.get_param('report-type') or ''})"
    local = from_address.split("@", 1)[0]
    if local in BOUNCE_SENDERS:
        return f"from {local}"
    if message.get("Return-Path") is not None and str(message.get("Return-Path")).strip() in ("<>", ""):
        return "empty Return-Path"
    if BOUNCE_SUBJECT.search(subject):
        return "bounce subject"
    return ""


def _automated(message: EmailMessage, subject: str) -> str:
    auto = str(message.get("Auto-Submitted") or "").strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(message.get("Precedence") or "").strip().lower()
    if precedence in PRECEDENCE_AUTOMATED:
        return f"Precedence: {precedence}"
    for name in AUTOREPLY_HEADERS:
        if message.get(name) is not None:
            return name
    if str(message.get("X-Auto-Response-Suppress") or "").strip().lower() in (
        "all",
        "oof",
    ) and AUTOREPLY_SUBJECT.search(subject):
        return "X-Auto-Response-Suppress"
    if AUTOREPLY_SUBJECT.search(re.sub(r"^(?:(?:re|fw|fwd|aw)\s*[:：]\s*)+", "", subject, flags=re.IGNORECASE)):
        return "out-of-office subject"
    return ""


# --- the reply itself -----------------------------------------------------------------------------

QUOTE = r"(?:>[ \t]*)*"
# A reply header: a line ending in "wrote:" or its Japanese forms.
WROTE = re.compile(
    rf"^[ \t]*{QUOTE}(?P<line>.*?(?:wrote|schrieb|書きました|書き込みました|のメッセージ|のメール|からのメール)[ \t]*[:：])[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
LOOKS_LIKE_HEADER = re.compile(r"@|\d{1,4}[/年.-]\d{1,2}|\d{1,2}:\d{2}")
SEPARATOR = re.compile(
    r"^[ \t]*-{2,}[ \t]*(?:original message|元のメッセージ|元のメール|転送されたメッセージ|forwarded message)[ \t]*-{2,}[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
OUTLOOK_FROM = re.compile(r"^[ \t]*\*?(?:差出人|送信者|From)\*?[ \t]*[:：]", re.MULTILINE | re.IGNORECASE)
OUTLOOK_NEXT = re.compile(
    r"^[ \t]*\*?(?:送信日時|送信日|日時|Sent|Date|宛先|To|件名|Subject)\*?[ \t]*[:：]", re.IGNORECASE
)
SIGNATURE_LINE = re.compile(r"^[ \t]*(?:--[ \t]*|[-=_*#~〜―─━＝＊－]{4,})$")
SIGNATURE_MAX_LINES = 12


def _cut_at_history(text: str) -> str:
    """The text before the first reply header this module knows."""
    cut = len(text)
    lines = text.splitlines(keepends=True)
    for found in WROTE.finditer(text):
        after = text[found.end() :].lstrip("\r\n")
        if LOOKS_LIKE_HEADER.search(found["line"]) or after.startswith(">"):
            cut = min(cut, found.start())
            break
    found = SEPARATOR.search(text)
    if found:
        cut = min(cut, found.start())
    offset = 0
    for index, line in enumerate(lines):
        if offset >= cut:
            break
        if OUTLOOK_FROM.match(line) and any(
            OUTLOOK_NEXT.match(next_line) for next_line in lines[index + 1 : index + 5]
        ):
            cut = min(cut, offset)
            break
        offset += len(line)
    return text[:cut]


def _drop_trailing_quotes(text: str) -> str:
    lines = text.rstrip().splitlines()
    while lines and (lines[-1].lstrip().startswith(">") or not lines[-1].strip()):
        lines.pop()
    return "\n".join(lines)


def _drop_signature(text: str) -> str:
    """A separator line near the end starts a signature (Japanese ones use ―――― or ━━━━)."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        rest = [other for other in lines[index + 1 :] if other.strip()]
        if index and SIGNATURE_LINE.match(line) and len(rest) <= SIGNATURE_MAX_LINES:
            return "\n".join(lines[:index])
    return text


def latest_reply(text: str) -> str:
    """What the sender wrote, without the quoted history and the signature."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _drop_trailing_quotes(_cut_at_history(text))
    if not text.strip():
        return ""
    parsed = ReplyText(text=text, languages=["ja", "en"], keep_hyphen_lists=True).read()
    first = parsed.replies[0] if parsed.replies else None
    if first is None or first.headers:  # the mail opens with quoted history: nothing new
        return ""
    return _drop_signature(_drop_trailing_quotes(first.body)).strip()

"""Letters on paper: the reminder letters of a day in one printable batch, and the statement of account.

Laid out on US Letter for a #10 double-window envelope folded in three: the business's return address in
the upper window (0.5 in from the left, 0.6 in from the top) and the debtor's in the lower one (0.9 in from
the left, 2.1 in from the top, 4 in wide). fpdf2 is pure Python, so no system libraries are needed.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from fpdf import FPDF, FontFace

from recoup.compliance.services import contact_check
from recoup.core.compliance import Action, Channel
from recoup.core.money import format_minor
from recoup.ledger.models import ContactKind, ContactPoint, Customer, Invoice, Payment
from recoup.organisations.models import Organisation
from recoup.outreach.models import Message, MessageStatus
from recoup.outreach.sending import covered_debts
from recoup.outreach.setup import outreach_settings_of
from recoup.reporting.pdf import _latin

INCH = 25.4
RETURN_WINDOW = (0.5 * INCH, 0.6 * INCH)
RECIPIENT_WINDOW = (0.9 * INCH, 2.1 * INCH, 4.0 * INCH)
BODY_TOP = 3.6 * INCH


def _address_lines(customer: Customer, single_line: str) -> list[str]:
    point = ContactPoint.objects.filter(customer=customer, kind=ContactKind.ADDRESS, value=single_line).first()
    name = customer.name or customer.external_id
    if point is not None and point.line1:
        city = " ".join(
            part for part in (f"{point.city}," if point.city else "", point.region, point.postal_code) if part
        )
        return [name, point.line1, *([point.line2] if point.line2 else []), city.strip()]
    return [name, *[part.strip() for part in single_line.split(",") if part.strip()]]


def _header(pdf: FPDF, organisation: Organisation, sender, customer: Customer, address: str, day: date) -> None:
    pdf.add_page()
    pdf.set_xy(*RETURN_WINDOW)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(80, 5, _latin(sender.sender_name or organisation.name), new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for line in (sender.postal_address or "").splitlines():
        pdf.cell(80, 4.2, _latin(line), new_x="LEFT", new_y="NEXT")
    if sender.phone:
        pdf.cell(80, 4.2, _latin(sender.phone), new_x="LEFT", new_y="NEXT")
    x, y, width = RECIPIENT_WINDOW
    pdf.set_xy(x, y)
    pdf.set_font("Helvetica", "", 11)
    for line in _address_lines(customer, address):
        pdf.cell(width, 5, _latin(line), new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, BODY_TOP)
    pdf.cell(0, 5, f"{day:%B %d, %Y}".replace(" 0", " "), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _invoice_table(pdf: FPDF, customer: Customer, currency: str, as_of: date, disputed: bool = False) -> int:
    """The open invoices (or, with ``disputed``, the disputed ones: listed, never asked for) and their total."""
    total = 0
    pdf.set_font("Helvetica", "", 9)
    with pdf.table(
        col_widths=(40, 30, 30, 30, 30),
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", fill_color=(245, 246, 248)),
        borders_layout="HORIZONTAL_LINES",
        line_height=5,
    ) as grid:
        grid.row(["Invoice", "Due", "Amount", "Open", "Days overdue"])
        for invoice in Invoice.objects.filter(
            customer=customer, currency=currency, settled_on__isnull=True, disputed=disputed, issue_date__lte=as_of
        ).order_by("due_date", "id"):
            open_cents = invoice.amount_cents - invoice.applied_cents
            if open_cents <= 0:
                continue
            total += open_cents
            overdue = max((as_of - invoice.due_date).days, 0)
            grid.row(
                [
                    _latin(invoice.number),
                    f"{invoice.due_date:%d %b %Y}",
                    format_minor(invoice.amount_cents, currency),
                    format_minor(open_cents, currency),
                    str(overdue) if overdue else "not yet due",
                ]
            )
        grid.row(["Total in dispute" if disputed else "Total open", "", "", format_minor(total, currency), ""])
    return total


def _how_to_pay(pdf: FPDF, sender) -> None:
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 5, "How to pay", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9.5)
    ways = []
    if sender.pay_url:
        ways.append(f"Online: {sender.pay_url}")
    if sender.phone:
        ways.append(f"By phone: {sender.phone}")
    if sender.postal_address:
        ways.append("By cheque to: " + ", ".join(sender.postal_address.splitlines()))
    ways.append("Cannot pay in full? Call us: we can agree a payment plan.")
    for way in ways:
        pdf.multi_cell(0, 5, _latin(way), new_x="LMARGIN", new_y="NEXT")


def letters_pdf(messages: list[Message], day: date) -> bytes:
    """One PDF, a page (or more) per letter, in the order given."""
    pdf = FPDF(unit="mm", format="Letter")
    pdf.set_margins(0.75 * INCH, 0.5 * INCH, 0.75 * INCH)
    pdf.set_auto_page_break(auto=True, margin=0.6 * INCH)
    senders: dict[int, object] = {}  # one settings read per organisation, not per letter
    for message in messages:
        customer = message.customer
        organisation = customer.organisation
        sender = senders.setdefault(organisation.pk, outreach_settings_of(organisation))
        _header(pdf, organisation, sender, customer, message.to_address, day)
        pdf.set_font("Helvetica", "B", 11)
        pdf.multi_cell(0, 6, _latin(message.subject), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 5, _latin(message.body_text.strip()), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        currency = message.touch.currency if message.touch else organisation.currency
        _invoice_table(pdf, customer, currency, day)
        _how_to_pay(pdf, sender)
    return bytes(pdf.output())


def statement_pdf(customer: Customer, as_of: date, currency: str | None = None) -> bytes:
    """A statement of account: open invoices, recent payments and credits, the total, and how to pay."""
    organisation = customer.organisation
    currency = currency or organisation.currency
    pdf = FPDF(unit="mm", format="Letter")
    pdf.set_margins(0.75 * INCH, 0.5 * INCH, 0.75 * INCH)
    pdf.set_auto_page_break(auto=True, margin=0.6 * INCH)
    address = (
        ContactPoint.objects.filter(customer=customer, kind=ContactKind.ADDRESS)
        .order_by("-is_primary", "id")
        .values_list("value", flat=True)
        .first()
    )
    sender = outreach_settings_of(organisation)
    _header(pdf, organisation, sender, customer, address or "", as_of)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 7, f"Statement of account as of {as_of:%d %b %Y}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9.5)
    pdf.cell(0, 5, _latin(f"Account {customer.external_id}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    total = _invoice_table(pdf, customer, currency, as_of)
    if Invoice.objects.filter(customer=customer, currency=currency, settled_on__isnull=True, disputed=True).exists():
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 5, "In dispute (not due while we look into it)", new_x="LMARGIN", new_y="NEXT")
        _invoice_table(pdf, customer, currency, as_of, disputed=True)
    payments = Payment.objects.filter(customer=customer, currency=currency, payment_date__lte=as_of).order_by(
        "-payment_date", "-id"
    )[:10]
    if payments:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 5, "Recent payments and credits", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        for payment in payments:
            line = f"{payment.payment_date:%d %b %Y}  {format_minor(payment.amount_cents, currency)}"
            line += f"  {payment.method} {payment.reference}".rstrip()
            pdf.cell(0, 4.6, _latin(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, f"Amount due: {format_minor(total, currency)}", new_x="LMARGIN", new_y="NEXT")
    _how_to_pay(pdf, sender)
    return bytes(pdf.output())


def letters_queued(organisation: Organisation) -> list[Message]:
    return list(
        Message.objects.filter(organisation=organisation, channel="letter", status=MessageStatus.QUEUED)
        .select_related("customer__organisation", "touch")
        .order_by("created_at", "id")
    )


def letter_batch(organisation: Organisation, day: date, mark_printed: bool = True) -> tuple[bytes, int]:
    """The print batch: every letter waiting to be printed, oldest first, whatever day the cycle queued it.

    The guard is asked again for each (a stop request or a bankruptcy may have come in since): a letter it now
    refuses for good is cancelled and left out. Marking them printed means a second batch holds only newer
    letters; ``letters_reprint`` gives a day's printed letters again without changing anything."""
    printable = []
    for message in letters_queued(organisation):
        covers = covered_debts(message)
        verdict = (
            contact_check(
                customer=message.customer,
                action=Action(Channel.LETTER, debt_ids=covers, address=message.to_address),
                record=False,
            )
            if covers
            else None
        )
        if verdict is None or (not verdict.allowed and verdict.next_allowed_at is None):
            message.status = MessageStatus.CANCELLED
            message.last_error = (
                f"cancelled: the guard now refuses it ({', '.join(verdict.rule_ids)})"
                if verdict
                else "cancelled: nothing is owed any more, or all of it is disputed"
            )
            message.save(update_fields=["status", "last_error"])
            continue
        printable.append(message)
    pdf = letters_pdf(printable, day) if printable else b""
    if mark_printed and printable:
        with transaction.atomic():
            Message.objects.filter(pk__in=[m.pk for m in printable], status=MessageStatus.QUEUED).update(
                status=MessageStatus.SENT, sent_at=timezone.now()
            )
    return pdf, len(printable)


def letters_reprint(organisation: Organisation, day: date) -> tuple[bytes, int]:
    """The letters printed on ``day`` (in the organisation's time zone), again; changes nothing."""
    zone = ZoneInfo(organisation.timezone)
    start = datetime.combine(day, time.min, tzinfo=zone)
    letters = list(
        Message.objects.filter(
            organisation=organisation,
            channel="letter",
            status=MessageStatus.SENT,
            sent_at__gte=start,
            sent_at__lt=start + timedelta(days=1),
        )
        .select_related("customer__organisation", "touch")
        .order_by("created_at", "id")
    )
    return (letters_pdf(letters, day) if letters else b""), len(letters)

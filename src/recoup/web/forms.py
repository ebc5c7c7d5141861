"""Forms for the workspace: what staff type, checked, with errors shown beside each field."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from recoup.activity.models import CallOutcome
from recoup.core.money import AmountParseError, parse_amount


class NoteForm(forms.Form):
    body = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)
    pinned = forms.BooleanField(label="Pin to the top", required=False)


class CallForm(forms.Form):
    outcome = forms.ChoiceField(label="What happened", choices=[("", "Choose…"), *CallOutcome.choices])
    phone = forms.CharField(label="Number called", required=False, max_length=32)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    promise_date = forms.DateField(
        label="Promised date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    promise_amount = forms.CharField(label="Promised amount", required=False, max_length=20)

    def __init__(self, *args, currency: str = "USD", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_promise_amount(self) -> int | None:
        text = self.cleaned_data.get("promise_amount", "").strip()
        if not text:
            return None
        try:
            return parse_amount(text, self.currency)
        except AmountParseError as error:
            raise forms.ValidationError(f"Not an amount: {error.reason}.") from None

    def clean(self):
        data = super().clean()
        if data.get("outcome") == CallOutcome.PROMISE_TO_PAY:
            if not data.get("promise_date"):
                self.add_error("promise_date", "A promise to pay needs the date.")
            if not data.get("promise_amount"):
                self.add_error("promise_amount", "A promise to pay needs the amount.")
        return data


class DisputeForm(forms.Form):
    invoice = forms.ChoiceField(label="Invoice")
    reason = forms.CharField(
        label="What the customer disputes", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )

    def __init__(self, *args, invoices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = [("", "Choose…")] + [(str(i.pk), i.number) for i in invoices]


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    bucket = forms.ChoiceField(label="Oldest item", required=False)
    segment = forms.ChoiceField(label="Segment", required=False)
    min_open = forms.DecimalField(label="Balance from", required=False, min_value=Decimal(0), decimal_places=3)
    max_open = forms.DecimalField(label="to", required=False, min_value=Decimal(0), decimal_places=3)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[
            ("-open", "largest balance"),
            ("oldest", "oldest due"),
            ("name", "name"),
            ("open", "smallest balance"),
        ],
    )

    def __init__(self, *args, buckets=(), segments=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bucket"].choices = [("", "Any")] + [(b, b) for b in buckets]
        self.fields["segment"].choices = [("", "Any")] + [(s, s) for s in segments]

"""Forms for the debtor facts the compliance guard reads, and the organisation's compliance settings."""

from __future__ import annotations

from django import forms

from recoup.compliance.errors import ComplianceError
from recoup.compliance.models import CHANNEL_CHOICES, PermissionKind
from recoup.compliance.windows import parse_window
from recoup.core.compliance import ContractKind, DebtType, Mode

DEBT_TYPES = [("", "The organisation's default")] + [
    (t.value, t.value.replace("_", " ").capitalize()) for t in DebtType
]


class DebtorFactsForm(forms.Form):
    cease = forms.BooleanField(label="Asked us to stop all contact", required=False)
    attorney_name = forms.CharField(label="Attorney (name)", required=False, max_length=200)
    attorney_contact = forms.CharField(label="Attorney's phone or email", required=False, max_length=300)
    bankruptcy_filed_on = forms.DateField(
        label="Bankruptcy filed on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    deceased_on = forms.DateField(label="Died on", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    estate_representative = forms.CharField(label="Estate representative", required=False, max_length=300)
    workplace_contact_prohibited = forms.BooleanField(label="No contact at work", required=False)
    inconvenient_times = forms.CharField(
        label="Inconvenient times (one per line, e.g. Mon-Fri 12:00-13:30 lunch)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    debt_type = forms.ChoiceField(label="Debt type", required=False, choices=DEBT_TYPES)

    def clean_inconvenient_times(self) -> list[dict]:
        windows = []
        for line in self.cleaned_data["inconvenient_times"].splitlines():
            if line.strip():
                try:
                    windows.append(parse_window(line))
                except ComplianceError as error:
                    raise forms.ValidationError(str(error)) from None
        return windows


class PermissionForm(forms.Form):
    kind = forms.ChoiceField(label="Record", choices=PermissionKind.choices)
    channel = forms.ChoiceField(label="Channel", choices=CHANNEL_CHOICES)
    address = forms.CharField(label="Number or address (blank: all of them)", required=False, max_length=400)
    source = forms.CharField(label="How we know (e.g. replied STOP, signed the intake form)", max_length=200)


class ComplianceSettingsForm(forms.Form):
    mode = forms.ChoiceField(
        label="Who collects",
        choices=[
            (Mode.FIRST_PARTY, "We collect our own invoices (first-party)"),
            (Mode.THIRD_PARTY, "We are a collection agency or debt buyer (third-party)"),
        ],
    )
    uses_other_name = forms.BooleanField(label="We collect under a name other than our own", required=False)
    debt_type = forms.ChoiceField(label="Usual debt type", choices=DEBT_TYPES[1:])
    contract = forms.ChoiceField(
        label="Usual agreement",
        choices=[
            (ContractKind.OPEN_ACCOUNT, "Open account (billed after service)"),
            (ContractKind.WRITTEN, "Signed written contract"),
        ],
    )
    federal_rules_everywhere = forms.BooleanField(
        label="Apply the federal collection rules to consumers in every state (recommended)", required=False
    )

"""Provider webhooks for inbound texts. Twilio signs each request (X-Twilio-Signature, HMAC-SHA1 of the URL
and the sorted form fields with the account's auth token); an unsigned or wrongly signed request is refused
with 403 and changes nothing."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from recoup.outreach.inbound import sms_received_anywhere

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def twilio_auth_token() -> str:
    url = urlsplit(settings.SMS_URL)
    return unquote(url.password or "") if url.scheme == "twilio" else settings.TWILIO_AUTH_TOKEN


@csrf_exempt  # the provider cannot send a CSRF token; the signature is the credential
@require_POST
def twilio_sms(request: HttpRequest) -> HttpResponse:
    """One webhook for the Twilio number: a STOP reaches every organisation that knows the sender."""
    token = twilio_auth_token()
    if not token:
        return HttpResponseForbidden("Inbound texts are not configured (set SMS_URL=twilio://SID:TOKEN@+1...).")
    url = f"{settings.RECOUP_BASE_URL.rstrip('/')}{request.path}"
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(token).validate(url, request.POST.dict(), signature):
        return HttpResponseForbidden("Bad signature.")
    sms_received_anywhere(request.POST.get("From", ""), request.POST.get("Body", ""))
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")

"""Provider webhooks for inbound texts. Twilio signs each request (X-Twilio-Signature, HMAC-SHA1 of the URL
and the sorted form fields with the account's auth token); an unsigned or wrongly signed request is refused
with 403 and changes nothing."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from recoup.organisations.models import Organisation
from recoup.outreach.inbound import sms_received

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def twilio_auth_token() -> str:
    url = urlsplit(settings.SMS_URL)
    return unquote(url.password or "") if url.scheme == "twilio" else settings.TWILIO_AUTH_TOKEN


@csrf_exempt  # the provider cannot send a CSRF token; the signature is the credential
@require_POST
def twilio_sms(request: HttpRequest, slug: str) -> HttpResponse:
    token = twilio_auth_token()
    if not token:
        return HttpResponseForbidden("Inbound texts are not configured (set SMS_URL=twilio://SID:TOKEN@+1...).")
    url = f"{settings.RECOUP_BASE_URL.rstrip('/')}{request.path}"
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(token).validate(url, request.POST.dict(), signature):
        return HttpResponseForbidden("Bad signature.")
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404("No such organisation")
    sms_received(organisation, request.POST.get("From", ""), request.POST.get("Body", ""))
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")

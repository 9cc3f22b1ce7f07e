from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kabinet.core.access import OrgRequest, get_object_for_org, org_required
from kabinet.core.files import serve_private_file
from kabinet.core.net import Origin
from kabinet.core.views import paginate
from kabinet.documents.forms import MultipleFileField
from kabinet.documents.held import KeptFiles
from kabinet.support import exports, selectors, services
from kabinet.support.models import SupportAttachment, SupportThread


class ThreadForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=255)
    body = forms.CharField(label=_("Message"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label=_("Files"), required=False)  # type: ignore[assignment]  # a field, not BaseForm.files


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("Files"), required=False)  # type: ignore[assignment]  # a field, not BaseForm.files


@org_required
def thread_list(request: OrgRequest) -> HttpResponse:
    """«Техническая поддержка»: number, topic and first line, author, date and time, unread mark."""
    threads = selectors.thread_list(request.org, request.user)
    page = paginate(request, threads)
    template = "support/list.html#rows" if request.htmx and request.GET.get("more") else "support/list.html"
    return render(request, template, {"page": page, "form": ThreadForm(), "section": "support"})


@org_required
def thread_list_xlsx(request: OrgRequest) -> HttpResponseBase:
    """The support list as Excel (a GET that writes nothing: no thread is marked read)."""
    return exports.thread_list_xlsx(request.org, selectors.thread_list(request.org, request.user))


@org_required
def thread_new(request: OrgRequest) -> HttpResponse:
    form = ThreadForm(request.POST or None, request.FILES or None)
    kept = KeptFiles(request, form)
    if request.method == "POST" and form.is_valid() & kept.check():
        try:
            thread = services.thread_create(
                org=request.org,
                user=request.user,
                topic=form.cleaned_data["topic"],
                body=form.cleaned_data["body"],
                files=kept.files(form.cleaned_data["files"]),
                origin=Origin.of(request),
            )
        except ValidationError as exc:
            form.add_error("files", exc)
        else:
            kept.release()
            return redirect("support:thread", pk=thread.pk)
    return render(
        request,
        "support/new.html",
        {"form": form, "kept_files": kept.keep() if request.method == "POST" else [], "section": "support"},
        status=400 if request.method == "POST" else 200,
    )


@org_required
def thread_detail(request: OrgRequest, pk: int) -> HttpResponse:
    """A thread as a chat; new messages arrive by polling the `messages` fragment every few seconds."""
    thread = get_object_for_org(SupportThread, request.org, pk=pk)
    form = MessageForm(request.POST or None, request.FILES or None)
    kept = KeptFiles(request, form)
    kept_files = []
    if request.method == "POST" and form.is_valid() & kept.check():
        try:
            services.message_post(
                org=request.org,
                user=request.user,
                thread_id=thread.pk,
                body=form.cleaned_data["body"],
                files=kept.files(form.cleaned_data["files"]),
                origin=Origin.of(request),
            )
        except ValidationError as exc:
            form.add_error("files", exc)
        else:
            kept.release()
            return redirect("support:thread", pk=thread.pk)
    if request.method == "POST":
        kept_files = kept.keep()
    messages_ = selectors.thread_messages(request.org, thread)
    context = {
        "thread": thread,
        "chat": messages_,
        # A GET writes nothing: the page (and each poll that brings new messages) marks the thread
        # read by a POST it sends as it loads (`thread_read`).
        "unread": selectors.is_unread(request.user, thread),
        "form": form,
        "kept_files": kept_files,
        "section": "support",
    }
    if request.htmx and request.GET.get("poll"):
        return render(request, "support/thread.html#messages", context)
    return render(request, "support/thread.html", context, status=400 if form.errors else 200)


@org_required
@require_POST
def thread_read(request: OrgRequest, pk: int) -> HttpResponse:
    """The read marker of a thread, sent by its page as it loads (htmx, `hx-trigger="load"`)."""
    thread = get_object_for_org(SupportThread, request.org, pk=pk)
    services.thread_mark_read(user=request.user, thread=thread)
    return HttpResponse(status=204)


@org_required
def attachment_download(request: OrgRequest, pk: int) -> HttpResponseBase:
    attachment = get_object_for_org(SupportAttachment, request.org, pk=pk)
    return serve_private_file(attachment.file, attachment.original_name, attachment.content_type)

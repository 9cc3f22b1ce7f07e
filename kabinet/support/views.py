from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from kabinet.core.files import serve_private_file
from kabinet.core.models import get_object_for_org
from kabinet.core.views import org_required, paginate
from kabinet.documents.forms import MultipleFileField
from kabinet.documents.held import KeptFiles
from kabinet.support import services
from kabinet.support.models import SupportAttachment, SupportMessage, SupportThread, SupportThreadRead


class ThreadForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=255)
    body = forms.CharField(label=_("Message"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label=_("Files"), required=False)


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("Files"), required=False)


@org_required
def thread_list(request):
    """«Техническая поддержка»: number, topic and first line, author, date and time, unread mark."""
    first = SupportMessage.objects.filter(thread=OuterRef("pk")).order_by("created_at", "id")
    read = SupportThreadRead.objects.filter(
        thread=OuterRef("pk"), user=request.user, last_read_at__gte=OuterRef("last_message_at")
    )
    threads = (
        SupportThread.objects.for_org(request.org)
        .select_related("author")
        .annotate(first_line=Subquery(first.values("body")[:1]), is_read=Exists(read))
        .order_by("-last_message_at", "-id")
    )
    page = paginate(request, threads)
    template = "support/list.html#rows" if request.htmx and request.GET.get("more") else "support/list.html"
    return render(request, template, {"page": page, "form": ThreadForm(), "section": "support"})


@org_required
def thread_new(request):
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
                request=request,
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
def thread_detail(request, pk: int):
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
                request=request,
            )
        except ValidationError as exc:
            form.add_error("files", exc)
        else:
            kept.release()
            return redirect("support:thread", pk=thread.pk)
    if request.method == "POST":
        kept_files = kept.keep()
    messages_ = (
        SupportMessage.objects.for_org(request.org)
        .filter(thread=thread)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    services.mark_read(user=request.user, thread=thread)
    context = {"thread": thread, "chat": messages_, "form": form, "kept_files": kept_files, "section": "support"}
    if request.htmx and request.GET.get("poll"):
        return render(request, "support/thread.html#messages", context)
    return render(request, "support/thread.html", context, status=400 if form.errors else 200)


@org_required
def attachment_download(request, pk: int):
    attachment = get_object_for_org(SupportAttachment, request.org, pk=pk)
    return serve_private_file(attachment.file, attachment.original_name, attachment.content_type)

"""Consent pages. HTTP only: parse, one selector, one service, a message, a redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from accounts import roles
from consent import document as consent_document
from consent import gates, selectors, services
from consent.forms import (
    CapacityAssessmentForm,
    ConfirmForm,
    ConsentRecordForm,
    ExplainedRiskFormSet,
    SignForm,
    StartConsentForm,
    WithdrawForm,
)
from consent.models import CapacityAssessment, ConsentForm, ConsentRecord
from pathway import workflow
from pathway.core import access_log, submissions
from pathway.core.services import StaleEdit
from pathway.models import Pathway, Stage
from pathway.selectors import get_pathway_for_user


class ConsentPathwayMixin:
    """Loads the pathway (and consent) named in the URL; viewing needs the consent view permission."""

    write_permission: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(selectors.VIEW_CONSENT):
            raise PermissionDenied
        if request.method == "POST" and self.write_permission and not request.user.has_perm(self.write_permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def pathway(self) -> Pathway:
        return get_pathway_for_user(user=self.request.user, pathway_id=self.kwargs["pk"])

    @cached_property
    def consent(self) -> ConsentRecord:
        return selectors.get_consent_for_user(
            user=self.request.user, pathway=self.pathway, consent_id=self.kwargs["consent_id"]
        )

    def consent_url(self) -> str:
        return reverse("consent:consent", kwargs={"pk": self.pathway.pk})

    def refused(self, reasons) -> HttpResponseRedirect:
        for reason in reasons:
            messages.error(self.request, reason)
        return HttpResponseRedirect(self.request.path)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            pathway=self.pathway,
            patient=self.pathway.patient,
            can_record=user.has_perm(roles.RECORD_CONSENT),
            can_confirm=user.has_perm(roles.RECORD_PROCEDURE),
            can_withdraw=services.can_withdraw(user),
        )
        return context

    def summary_context(self, consent: ConsentRecord) -> dict:
        rules = selectors.consent_rules()
        planned = selectors.planned_levels(self.pathway)
        return {
            "consent": consent,
            "risks": list(selectors.explained_risks(consent)),
            "documents": list(selectors.documents_for(consent)),
            "valid_until": selectors.valid_until(consent, rules),
            "lapsed": selectors.has_lapsed(consent, rules=rules),
            "reconsent": selectors.flagged_for_reconsent(consent, planned),
            "planned_levels": planned,
            "confirm_refusals": services.confirm_refusals(consent) if consent.is_signed else [],
        }


class ConsentView(ConsentPathwayMixin, TemplateView):
    """/pathways/<id>/consent/: the pathway's current consent. A draft is edited here; a signed
    consent is shown read-only with its PDFs and the next actions."""

    template_name = "consent/consent_page.html"
    write_permission = roles.RECORD_CONSENT

    @cached_property
    def current(self) -> ConsentRecord | None:
        return selectors.current_consent(self.pathway)

    @property
    def editable(self) -> bool:
        return (
            self.current is not None
            and not self.current.is_signed
            and self.request.user.has_perm(roles.RECORD_CONSENT)
            and workflow.recording_refusal(self.pathway, Stage.CONSENT) is None
        )

    def build_forms(self, data=None):
        consent = self.current
        form = ConsentRecordForm(data, instance=consent)
        formset = ExplainedRiskFormSet(data, queryset=selectors.explained_risks(consent), prefix="risks")
        existing = CapacityAssessment.objects.filter(consent=consent).first()
        if existing is None:
            existing = CapacityAssessment(
                consent=consent, decision=f"Whether to have {consent.procedure_title.lower()}"
            )
        capacity_form = CapacityAssessmentForm(data, instance=existing, prefix="capacity", form_type=form.chosen_form)
        return form, formset, capacity_form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        consent = self.current
        context.update(
            current=consent,
            editable=self.editable,
            refusal=workflow.recording_refusal(self.pathway, Stage.CONSENT),
            start_refusal=services.start_refusal(self.pathway),
            start_form=StartConsentForm(
                initial={"form_type": ConsentForm.FORM_4 if selectors.capacity_concern(self.pathway) else "form1"}
            ),
            history=[c for c in selectors.consents_for(pathway=self.pathway) if consent is None or c.pk != consent.pk],
            checklist=gates.consent_items(self.pathway),
            planned_levels=selectors.planned_levels(self.pathway),
            capacity_concern=selectors.capacity_concern(self.pathway),
            interpreter=selectors.interpreter_required(self.pathway),
        )
        if consent is not None:
            context.update(self.summary_context(consent))
            if self.editable and "form" not in kwargs:
                form, formset, capacity_form = self.build_forms()
                context.update(form=form, formset=formset, capacity_form=capacity_form)
            if not consent.is_signed:
                context["sign_refusals"] = gates.sign_refusals(self.pathway, consent)
        return context

    def post(self, request, *args, **kwargs):
        if not self.editable:
            messages.error(request, services.SIGNED_MESSAGE if self.current else "There is no draft consent.")
            return redirect(self.consent_url())
        form, formset, capacity_form = self.build_forms(request.POST)
        # What is validated is what the chosen form shows (issue 16): the capacity assessment on a Form 4
        # or when ticked on a Form 1; the best-interests record only on a Form 4.
        wants_capacity = form.wants_capacity
        valid = form.is_valid() and formset.is_valid() and (not wants_capacity or capacity_form.is_valid())
        if not valid:
            messages.error(request, "Please correct the errors below; nothing was saved.")
            return self.render_to_response(
                self.get_context_data(form=form, formset=formset, capacity_form=capacity_form)
            )
        answers = [
            services.RiskAnswer(
                explained_risk=f.instance,
                discussed=f.cleaned_data["discussed"],
                not_discussed_reason=f.cleaned_data["not_discussed_reason"],
                patient_note=f.cleaned_data["patient_note"],
            )
            for f in formset.forms
        ]
        try:
            with transaction.atomic():
                services.save_draft(
                    acting_user=request.user,
                    consent=form.instance,
                    expected_version=form.submitted_version,
                    risk_answers=answers,
                    capacity=capacity_form.instance if wants_capacity else None,
                )
        except StaleEdit:
            messages.error(request, StaleEdit.message)
        except services.ConsentError as exc:
            return self.refused(exc.reasons)
        except ValidationError as exc:
            return self.refused(services.validation_messages(exc))
        else:
            messages.success(request, "Consent draft saved.")
        return redirect(self.consent_url())


class ConsentStartView(ConsentPathwayMixin, TemplateView):
    http_method_names = ["post"]
    write_permission = roles.RECORD_CONSENT

    def post(self, request, *args, **kwargs):
        if submissions.replayed(request) is not None:
            messages.info(request, submissions.REPEAT_MESSAGE)
            return redirect(self.consent_url())
        form = StartConsentForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose Form 1 or Form 4.")
            return redirect(self.consent_url())
        try:
            _consent, created = submissions.once(
                token=submissions.token_from(request.POST),
                acting_user=request.user,
                create=lambda: services.start_consent(
                    acting_user=request.user, pathway=self.pathway, form_type=form.cleaned_data["form_type"]
                ),
            )
        except services.ConsentError as exc:
            for reason in exc.reasons:
                messages.error(request, reason)
        else:
            if created:
                messages.success(request, "A new consent has been started with every risk from the library.")
            else:
                messages.info(request, submissions.REPEAT_MESSAGE)
        return redirect(self.consent_url())


class ConsentDetailView(ConsentPathwayMixin, TemplateView):
    """Any consent of the pathway, read-only (earlier, superseded consents included)."""

    template_name = "consent/consent_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.summary_context(self.consent))
        return context


class ConsentSignView(ConsentPathwayMixin, TemplateView):
    template_name = "consent/consent_sign.html"
    write_permission = roles.RECORD_CONSENT

    def get(self, request, *args, **kwargs):
        if self.consent.is_signed:
            messages.info(request, "This consent has already been signed.")
            return redirect(self.consent_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.summary_context(self.consent))
        context.setdefault("form", SignForm(initial={"expected_version": self.consent.version, "method": "drawn"}))
        context["sign_refusals"] = gates.sign_refusals(self.pathway, self.consent)
        # What the patient agrees to, on the screen where they sign (issue 16): the statements of the
        # PDF, word for word, and the risks as explained to them.
        context.update(
            statement_patient=consent_document.STATEMENT_PATIENT,
            statement_no_guarantee=consent_document.STATEMENT_NO_GUARANTEE,
            statement_form4=consent_document.STATEMENT_FORM4,
            statement_clinician=consent_document.STATEMENT_CLINICIAN,
            discussed_risks=[r for r in context["risks"] if r.discussed],
        )
        return context

    def post(self, request, *args, **kwargs):
        form = SignForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            services.sign_consent(
                acting_user=request.user,
                consent=self.consent,
                expected_version=form.cleaned_data["expected_version"],
                signature=form.signature(),
                password=form.cleaned_data["password"],
            )
        except StaleEdit:
            messages.error(request, StaleEdit.message)
            return redirect(self.consent_url())
        except services.ConsentError as exc:
            for reason in exc.reasons:
                form.add_error(None, reason)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, "Consent signed. The signed PDF has been stored.")
        return redirect(self.consent_url())


class ConsentConfirmView(ConsentPathwayMixin, TemplateView):
    """Stage 2: the operator confirms on the day, before sedation."""

    template_name = "consent/consent_confirm.html"
    write_permission = roles.RECORD_PROCEDURE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.summary_context(self.consent))
        context.setdefault("form", ConfirmForm())
        context["needs_rediscussion"] = selectors.needs_risks_rediscussed(self.consent)
        return context

    def post(self, request, *args, **kwargs):
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            services.confirm_consent(acting_user=request.user, consent=self.consent, **form.cleaned_data)
        except services.ConsentError as exc:
            for reason in exc.reasons:
                form.add_error(None, reason)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, "Consent confirmed on the day. The PDF has been updated and stored.")
        return redirect(self.consent_url())


class ConsentWithdrawView(ConsentPathwayMixin, TemplateView):
    template_name = "consent/consent_withdraw.html"

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and not services.can_withdraw(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.summary_context(self.consent))
        context.setdefault("form", WithdrawForm())
        return context

    def post(self, request, *args, **kwargs):
        form = WithdrawForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            services.withdraw_consent(
                acting_user=request.user, consent=self.consent, withdrawal=form.instance, then=form.cleaned_data["then"]
            )
        except services.ConsentError as exc:
            for reason in exc.reasons:
                form.add_error(None, reason)
            return self.render_to_response(self.get_context_data(form=form))
        except workflow.WorkflowError as exc:
            for reason in exc.reasons:
                messages.error(request, reason)
            return redirect(self.consent_url())
        messages.success(request, "Consent withdrawal recorded. The procedure cannot go ahead on this consent.")
        return redirect(self.consent_url())


class ConsentPdfView(ConsentPathwayMixin, TemplateView):
    """The stored PDF, served exactly as stored (the latest event's, or a given one)."""

    def get(self, request, *args, **kwargs):
        consent = self.consent
        if "document_id" in kwargs:
            document = selectors.get_document(consent, kwargs["document_id"])
        else:
            document = services.stored_document(consent=consent)
        if document is None:
            if consent.is_signed:
                raise Http404(
                    "The PDF of this consent was not produced when it was signed (an imported record). "
                    "An administrator can produce it with manage.py render_consent_documents."
                )
            raise Http404("This consent has no PDF until it is signed.")
        access_log.seen_as(request, f"consent PDF ({document.event})")
        name = f"consent-{consent.pk}-{document.event}.pdf"
        response = FileResponse(document.file.open("rb"), content_type="application/pdf", filename=name)
        response["X-Content-SHA256"] = document.file_sha256
        return response


class ConsentScanView(ConsentPathwayMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        consent = self.consent
        if not consent.paper_scan:
            raise Http404("No scan.")
        return FileResponse(consent.paper_scan.open("rb"), as_attachment=True, filename=consent.paper_scan.name)


# Every consent page and document shows the patient's record: logged by the access log (pathway/core/
# access_log.py) against the pathway in the URL. The start action is POST-only and shows nothing.
access_log.register(
    {
        "consent:consent": access_log.pathway_page("consent page"),
        "consent:detail": access_log.pathway_page("consent record"),
        "consent:sign": access_log.pathway_page("consent signing form"),
        "consent:confirm": access_log.pathway_page("consent confirmation form"),
        "consent:withdraw": access_log.pathway_page("consent withdrawal form"),
        "consent:pdf": access_log.pathway_page("consent PDF"),
        "consent:document": access_log.pathway_page("consent PDF"),
        "consent:scan": access_log.pathway_page("consent scan (paper form)"),
    }
)

"""Reply templates in the API: ``reply-templates/`` for their owners, and the
text of one filled in for a consultation. Reads through the selectors, writes
through the services; a template outside a person's rights is 404."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from consult import reply_templates, selectors, services
from consult.models import ReplyTemplate, TemplateScope
from consult.reply_templates import EDIT, Owner
from consult.services.templates import MAX_TEMPLATE_NAME
from routing.models import Ministry, Office

from .serializers import UserRefSerializer


class OwnerOfficeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class ReplyTemplateSerializer(serializers.ModelSerializer):
    office = serializers.SerializerMethodField()
    ministry = serializers.SerializerMethodField()
    editable = serializers.SerializerMethodField(help_text="Whether you may change or delete it")
    created_by = UserRefSerializer(allow_null=True, read_only=True)
    updated_by = UserRefSerializer(allow_null=True, read_only=True)

    class Meta:
        model = ReplyTemplate
        fields = ["id", "name", "body", "scope", "office", "ministry", "use_count", "editable", "created_by",
                  "updated_by", "created_at", "updated_at"]  # fmt: skip

    @extend_schema_field(OwnerOfficeSerializer(allow_null=True))
    def get_office(self, obj):
        return {"slug": obj.office.slug, "name": obj.office.name} if obj.office_id else None

    @extend_schema_field(OwnerOfficeSerializer(allow_null=True))
    def get_ministry(self, obj):
        return {"slug": obj.ministry.slug, "name": obj.ministry.name} if obj.ministry_id else None

    def get_editable(self, obj) -> bool:
        owner = Owner(obj.scope, office_id=obj.office_id, ministry_id=obj.ministry_id)
        return EDIT in reply_templates.template_rights(self.context["viewer"], owner)


class ReplyTemplateCreateSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=TemplateScope.choices)
    office = serializers.SlugField(required=False, help_text="The owning office's slug (scope office)")
    ministry = serializers.SlugField(required=False, help_text="The owning ministry's slug (scope ministry)")
    name = serializers.CharField(max_length=MAX_TEMPLATE_NAME)
    body = serializers.CharField(max_length=services.MAX_BODY, trim_whitespace=False)

    def validate(self, attrs):
        scope = attrs["scope"]
        office = ministry = None
        if scope == TemplateScope.OFFICE:
            office = Office.objects.filter(slug=attrs.get("office", "")).values_list("pk", flat=True).first()
            if office is None:
                raise ValidationError({"office": [_("部局を指定してください")]})
        elif scope == TemplateScope.MINISTRY:
            ministry = Ministry.objects.filter(slug=attrs.get("ministry", "")).values_list("pk", flat=True).first()
            if ministry is None:
                raise ValidationError({"ministry": [_("府省庁を指定してください")]})
        attrs["owner"] = Owner(scope, office_id=office, ministry_id=ministry)
        return attrs


class ReplyTemplateUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=MAX_TEMPLATE_NAME, required=False)
    body = serializers.CharField(max_length=services.MAX_BODY, trim_whitespace=False, required=False)


class RenderedSerializer(serializers.Serializer):
    body = serializers.CharField()


def _detailed(queryset):
    return queryset.select_related("office", "ministry", "created_by", "updated_by")


def _one(request, pk, right=reply_templates.USE) -> ReplyTemplate:
    template = selectors.access_reply_template(request.user, pk, right)
    return _detailed(ReplyTemplate.objects.filter(pk=template.pk)).get()


def _data(request, template, viewer=None) -> dict:
    viewer = viewer or selectors.template_viewer(request.user)
    return ReplyTemplateSerializer(template, context={"viewer": viewer}).data


@extend_schema(tags=["reply-templates"])
class ReplyTemplateList(APIView):
    @extend_schema(responses={200: ReplyTemplateSerializer(many=True)})
    def get(self, request):
        """The reply templates you may use (your offices', your ministries' and the secretariat's), by name."""
        viewer = selectors.template_viewer(request.user)
        templates = _detailed(selectors.reply_templates_of(request.user, viewer=viewer))
        return Response(ReplyTemplateSerializer(templates, many=True, context={"viewer": viewer}).data)

    @extend_schema(
        request=ReplyTemplateCreateSerializer,
        responses={201: ReplyTemplateSerializer, 403: OpenApiResponse(description="You may not write for this owner")},
    )
    def post(self, request):
        """A new template for one of your offices, one of their ministries, or (the secretariat) everyone."""
        serializer = ReplyTemplateCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        template = services.create_reply_template(actor=request.user, owner=data["owner"], name=data["name"],
                                                  body=data["body"])  # fmt: skip
        return Response(_data(request, _one(request, template.pk)), status=status.HTTP_201_CREATED)


@extend_schema(tags=["reply-templates"])
class ReplyTemplateDetail(APIView):
    @extend_schema(responses={200: ReplyTemplateSerializer})
    def get(self, request, pk: int):
        return Response(_data(request, _one(request, pk)))

    @extend_schema(request=ReplyTemplateUpdateSerializer, responses={200: ReplyTemplateSerializer})
    def patch(self, request, pk: int):
        """Change the name or the text (owners only; others who may use it get 403)."""
        template = _one(request, pk)
        serializer = ReplyTemplateUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.update_reply_template(actor=request.user, template=template, name=data.get("name", template.name),
                                       body=data.get("body", template.body))  # fmt: skip
        return Response(_data(request, _one(request, pk)))

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.delete_reply_template(actor=request.user, template=_one(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["reply-templates"])
class ReplyTemplateRender(APIView):
    @extend_schema(request=None, responses={200: RenderedSerializer})
    def post(self, request, pk: int, template_pk: int):
        """The template's text with the consultation's variables filled in, ready to edit and send
        (pass its id as ``template`` with the message to count the use)."""
        consultation = selectors.access_consultation(request.user, pk)
        template = selectors.access_reply_template(request.user, template_pk)
        if not selectors.answers_with_templates(request.user, consultation):
            raise Http404
        return Response({"body": selectors.rendered_template(request.user, consultation, template)})

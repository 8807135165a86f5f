from django import forms
from django.utils.translation import gettext_lazy as _

from certify.people.models import Province, Role, User
from certify.standard.models import Level
from exams.planning.models import RoomKind


class SittingForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    level = forms.TypedChoiceField(label=_("级别"), choices=Level.choices, coerce=int)
    province = forms.ModelChoiceField(label=_("省公司"), queryset=Province.objects.all())
    written_start = forms.DateTimeField(
        label=_("笔试开始"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    written_end = forms.DateTimeField(label=_("笔试结束"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    practical_start = forms.DateTimeField(
        label=_("实操开始"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    practical_end = forms.DateTimeField(
        label=_("实操结束"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class RoomForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=RoomKind.choices)
    name = forms.CharField(label=_("名称"), max_length=50)
    capacity = forms.IntegerField(label=_("座位数"), min_value=1, max_value=999)
    location = forms.CharField(label=_("地点"), max_length=100, required=False)


class AssignForm(forms.Form):
    examiner = forms.ModelChoiceField(
        label=_("考评员"),
        queryset=User.objects.filter(role__in=[Role.EXAMINER, Role.CHIEF_EXAMINER], is_active=True).order_by(
            "username"
        ),
    )
    is_chief = forms.BooleanField(label=_("设为考评组长"), required=False)


class RosterForm(forms.Form):
    file = forms.FileField(label=_("考生名单（.xlsx）"))


class EnrolForm(forms.Form):
    employee_no = forms.CharField(label=_("工号"), max_length=20)

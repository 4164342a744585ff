from django import forms

from reviews.models import Window


class ExtendForm(forms.Form):
    SCOPES = [("city", "全市（含市直属学校）"), ("district", "一个区（市）县"), ("school", "一所学校")]

    window = forms.ChoiceField(label="时间段", choices=Window.choices)
    scope = forms.ChoiceField(label="范围", choices=SCOPES, initial="city")
    district = forms.ModelChoiceField(label="区（市）县", queryset=None, required=False, empty_label="—")
    school_code = forms.CharField(label="学校代码", required=False, max_length=32,
                                  help_text="范围为一所学校时填写（见教师账号页或学校名单）。")
    opens = forms.DateField(label="提前开放至", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            help_text="留空表示开放日期不变。")
    until = forms.DateField(label="延后截止至", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            help_text="留空表示截止日期不变。")
    reason = forms.CharField(label="理由", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts

    def clean(self):
        from accounts.models import School

        data = super().clean()
        scope = data.get("scope")
        data["school"] = None
        if scope == "district" and not data.get("district"):
            self.add_error("district", "请选择区（市）县。")
        if scope == "school":
            code = (data.get("school_code") or "").strip()
            school = School.objects.filter(code=code).first() if code else None
            if school is None:
                self.add_error("school_code", "没有该学校代码。")
            data["school"] = school
        if scope != "district":
            data["district"] = None
        return data

"""The decision core, pure: no database (the snapshot comes from the CSV files)."""

import pytest

from routing.engine import ConsultationFacts, RuleSetInvalid, RuleSpec, compile_rule_set, decide, validate_rules
from tests.reference_snapshot import default_rules, filer, snapshot

# Branch offices by system for each test city (shared/reference/jurisdictions.md).
BRANCH = {
    "202029": {  # 松本市, 長野県
        "meti-rbe": "meti-rbe-kanto", "mlit-rdb": "mlit-rdb-kanto", "mlit-rtb": "mlit-rtb-hokuriku-shinetsu",
        "maff-rab": "maff-rab-kanto", "mic-bct": "mic-bct-shinetsu", "mhlw-rbh": "mhlw-rbh-kanto-shinetsu",
        "env-reo": "env-reo-chubu", "mof-lfb": "mof-lfb-kanto", "mhlw-labour": "mhlw-labour-nagano",
    },
    "151009": {  # 新潟市
        "meti-rbe": "meti-rbe-kanto", "mlit-rdb": "mlit-rdb-hokuriku", "mlit-rtb": "mlit-rtb-hokuriku-shinetsu",
        "maff-rab": "maff-rab-hokuriku", "mic-bct": "mic-bct-shinetsu", "mhlw-rbh": "mhlw-rbh-kanto-shinetsu",
        "env-reo": "env-reo-kanto", "mof-lfb": "mof-lfb-kanto", "mhlw-labour": "mhlw-labour-niigata",
    },
    "221007": {  # 静岡市
        "meti-rbe": "meti-rbe-kanto", "mlit-rdb": "mlit-rdb-chubu", "mlit-rtb": "mlit-rtb-chubu",
        "maff-rab": "maff-rab-kanto", "mic-bct": "mic-bct-tokai", "mhlw-rbh": "mhlw-rbh-tokai-hokuriku",
        "env-reo": "env-reo-kanto", "mof-lfb": "mof-lfb-tokai", "mhlw-labour": "mhlw-labour-shizuoka",
    },
    "182010": {  # 福井市
        "meti-rbe": "meti-rbe-kinki", "mlit-rdb": "mlit-rdb-kinki", "mlit-rtb": "mlit-rtb-chubu",
        "maff-rab": "maff-rab-hokuriku", "mic-bct": "mic-bct-hokuriku", "mhlw-rbh": "mhlw-rbh-kinki",
        "env-reo": "env-reo-chubu", "mof-lfb": "mof-lfb-hokuriku", "mhlw-labour": "mhlw-labour-fukui",
    },
    "472018": {  # 那覇市
        "meti-rbe": "meti-rbe-okinawa", "mlit-rdb": "mlit-rdb-okinawa", "mlit-rtb": "mlit-rtb-okinawa",
        "maff-rab": "maff-rab-okinawa", "mic-bct": "mic-bct-okinawa", "mhlw-rbh": "mhlw-rbh-kyushu",
        "env-reo": "env-reo-kyushu", "mof-lfb": "mof-lfb-okinawa", "mhlw-labour": "mhlw-labour-okinawa",
    },
    "011002": {  # 札幌市
        "meti-rbe": "meti-rbe-hokkaido", "mlit-rdb": "mlit-rdb-hokkaido", "mlit-rtb": "mlit-rtb-hokkaido",
        "maff-rab": "maff-rab-hokkaido", "mic-bct": "mic-bct-hokkaido", "mhlw-rbh": "mhlw-rbh-hokkaido",
        "env-reo": "env-reo-hokkaido", "mof-lfb": "mof-lfb-hokkaido", "mhlw-labour": "mhlw-labour-hokkaido",
    },
    "131016": {  # 千代田区
        "meti-rbe": "meti-rbe-kanto", "mlit-rdb": "mlit-rdb-kanto", "mlit-rtb": "mlit-rtb-kanto",
        "maff-rab": "maff-rab-kanto", "mic-bct": "mic-bct-kanto", "mhlw-rbh": "mhlw-rbh-kanto-shinetsu",
        "env-reo": "env-reo-kanto", "mof-lfb": "mof-lfb-kanto", "mhlw-labour": "mhlw-labour-tokyo",
    },
}  # fmt: skip

# The "default route" column of shared/reference/policy_areas.md:
# (primary: ("branch", system) | ("office", slug) | None for triage, collaborators)
DEFAULT_ROUTES = {
    "startup": (("branch", "meti-rbe"), []),
    "sme-dx": (("branch", "meti-rbe"), []),
    "smart-agri": (("branch", "maff-rab"), []),
    "tourism-dx": (("branch", "mlit-rtb"), []),
    "univ-innovation": (("office", "mext-hq"), []),
    "remote-relocation": (("office", "cao-regional-revitalization"), []),
    "related-population": (("office", "mic-hq"), []),
    "dual-residence": (("office", "mlit-hq"), [("branch", "mlit-rdb")]),
    "school-appeal": (("office", "mext-hq"), []),
    "women-youth": (("office", "cao-regional-revitalization"), []),
    "childrearing": (("office", "cfa-hq"), []),
    "work-family": (("branch", "mhlw-labour"), []),
    "children-dx": (("office", "cfa-hq"), [("office", "digital-hq")]),
    "education-dx": (("office", "mext-hq"), []),
    "health-dx": (("branch", "mhlw-rbh"), []),
    "transport-dx": (("branch", "mlit-rtb"), []),
    "infra-dx": (("branch", "mlit-rdb"), []),
    "machizukuri": (("branch", "mlit-rdb"), []),
    "culture-sports": (("office", "bunka-hq"), []),
    "disaster": (("office", "cao-disaster"), [("branch", "mlit-rdb")]),
    "community": (("office", "mic-hq"), []),
    "digital-infra": (("branch", "mic-bct"), []),
    "cybersecurity": (("branch", "mic-bct"), []),
    "data-platform": (("office", "digital-hq"), []),
    "energy": (("branch", "meti-rbe"), [("branch", "env-reo")]),
    "digital-talent": (("branch", "meti-rbe"), [("branch", "mhlw-labour")]),
    "digital-inclusion": (("branch", "mic-bct"), []),
    "grant": (("office", "cao-regional-revitalization"), []),
    "model-region": (("office", "cao-regional-revitalization"), []),
    "other": (None, []),
}


def _office(target, code):
    kind, value = target
    return BRANCH[code][value] if kind == "branch" else value


@pytest.fixture(scope="module")
def default_set():
    return compile_rule_set(default_rules(), snapshot(), version=1)


def facts(code="202029", area="smart-agri", co_filers=(), **extra):
    return ConsultationFacts(policy_area=area, filer=filer(code), co_filers=tuple(filer(c) for c in co_filers), **extra)


def test_the_default_set_covers_every_policy_area():
    assert set(DEFAULT_ROUTES) == set(snapshot().policy_areas)


@pytest.mark.parametrize("code", sorted(BRANCH))
@pytest.mark.parametrize("area", sorted(DEFAULT_ROUTES))
def test_default_set_routes_every_policy_area_for_the_test_cities(default_set, code, area):
    primary, collaborators = DEFAULT_ROUTES[area]
    decision = decide(facts(code, area), default_set, snapshot())
    if primary is None:
        assert decision.primary_office is None and decision.is_triage
        assert decision.triage_reason
        assert decision.rule.name.startswith("その他")
    else:
        assert decision.primary_office.slug == _office(primary, code)
        assert [office.slug for office in decision.collaborators] == [_office(c, code) for c in collaborators]
        assert decision.rule.version == 1
    assert decision.sla_policy == "standard" and decision.priority == "normal"


def test_explanation_names_rule_conditions_and_jurisdiction(default_set):
    decision = decide(facts("202029", "smart-agri"), default_set, snapshot())
    assert decision.primary_office.name == "関東農政局"
    assert "スマート農林水産業・食品産業" in decision.explanation_ja
    assert "長野県は関東農政局の管轄" in decision.explanation_ja
    assert "（第1版）" in decision.explanation_ja
    assert "Nagano is under 関東農政局" in decision.explanation_en
    assert "version 1" in decision.explanation_en


def test_a_joint_consultation_under_one_office_gets_it_once(default_set):
    decision = decide(facts("151009", "digital-infra", co_filers=["202029"]), default_set, snapshot())
    assert decision.primary_office.name == "信越総合通信局"
    assert decision.collaborators == ()


def test_a_joint_consultation_across_offices_brings_the_others_in(default_set):
    decision = decide(
        facts("151009", "digital-infra", co_filers=["221007", "202029", "182010"]), default_set, snapshot()
    )
    assert decision.primary_office.slug == "mic-bct-shinetsu"
    assert [office.slug for office in decision.collaborators] == ["mic-bct-tokai", "mic-bct-hokuriku"]
    assert "共同提出団体の静岡市は東海総合通信局の管轄（協力部局）" in decision.explanation_ja


def test_joint_collaborators_can_be_turned_off_by_a_rule():
    rules = [
        RuleSpec(
            name="単独で",
            priority=1,
            conditions={"policy_areas": ["digital-infra"]},
            actions={"route_to": {"branch_of": "mic-bct"}, "joint_collaborators": False},
        )
    ]
    decision = decide(
        facts("151009", "digital-infra", co_filers=["221007"]), compile_rule_set(rules, snapshot()), snapshot()
    )
    assert decision.collaborators == ()


def test_other_goes_to_triage_and_so_does_no_match():
    compiled = compile_rule_set(default_rules(), snapshot())
    assert (
        decide(facts("202029", "other"), compiled, snapshot()).triage_reason == "the rule sends it to the secretariat"
    )
    empty = compile_rule_set([], snapshot())
    decision = decide(facts("202029", "smart-agri"), empty, snapshot())
    assert decision.is_triage and decision.triage_reason == "no rule matched"
    assert "一致する規則がないため事務局が振り分けます" in decision.explanation_ja


def test_an_unknown_policy_area_goes_to_triage_without_raising(default_set):
    decision = decide(facts("202029", "no-such-area"), default_set, snapshot())
    assert decision.is_triage
    assert "unknown policy area" in decision.triage_reason


def test_urgent_consultations_get_the_urgent_policy_and_still_route(default_set):
    decision = decide(facts("202029", "smart-agri", urgency="urgent"), default_set, snapshot())
    assert decision.primary_office.slug == "maff-rab-kanto"
    assert decision.sla_policy == "urgent" and decision.priority == "high"
    assert decision.matched_rules[0] == "緊急の相談は短い期限で"
    assert decision.rule.name.startswith("スマート農林水産業")


def test_first_routing_rule_wins_collaborators_accumulate_without_duplicates():
    rules = [
        RuleSpec("keyword", 10, {"policy_areas": ["smart-agri"], "keywords": ["ドローン"]},
                 {"route_to": {"office": "maff-hq"}, "collaborators": [{"branch_of": "maff-rab"}]}),
        RuleSpec("area", 20, {"policy_areas": ["smart-agri"]},
                 {"route_to": {"branch_of": "maff-rab"}, "collaborators": [{"office": "digital-hq"}, {"office": "maff-hq"}]}),
        RuleSpec("everyone", 30, {}, {"collaborators": [{"office": "digital-hq"}]}),
    ]  # fmt: skip
    compiled = compile_rule_set(rules, snapshot())
    with_keyword = decide(facts("202029", "smart-agri", title="ＤＲＯＮＥ ドローン活用"), compiled, snapshot())
    assert with_keyword.primary_office.slug == "maff-hq"
    assert [o.slug for o in with_keyword.collaborators] == ["maff-rab-kanto", "digital-hq"]
    assert with_keyword.matched_rules == ("keyword", "area", "everyone")
    without = decide(facts("202029", "smart-agri", body="スマート農業"), compiled, snapshot())
    assert without.primary_office.slug == "maff-rab-kanto"
    assert [o.slug for o in without.collaborators] == ["digital-hq", "maff-hq"]


def test_keywords_fold_width_and_case():
    rules = [RuleSpec("ai", 1, {"keywords": ["AI"]}, {"route_to": {"office": "digital-hq"}})]
    compiled = compile_rule_set(rules, snapshot())
    assert decide(facts(body="生成ａｉの導入"), compiled, snapshot()).primary_office.slug == "digital-hq"
    assert decide(facts(body="導入"), compiled, snapshot()).is_triage


def test_conditions_on_prefecture_kind_local_government_and_joint():
    rules = [
        RuleSpec("niigata villages", 1, {"prefectures": ["15"], "kinds": ["village"]}, {"route_to": {"office": "mic-hq"}}),
        RuleSpec("matsumoto", 2, {"local_governments": ["202029"]}, {"route_to": {"office": "mext-hq"}}),
        RuleSpec("joint across mic", 3, {"joint_across": "mic-bct"}, {"route_to": {"office": "cao-regional-revitalization"}}),
        RuleSpec("single", 4, {"joint": False}, {"route_to": {"office": "digital-hq"}}),
    ]  # fmt: skip
    compiled = compile_rule_set(rules, snapshot())
    assert decide(facts("155047", "grant"), compiled, snapshot()).primary_office.slug == "mic-hq"  # 関川村
    assert decide(facts("202029", "grant"), compiled, snapshot()).primary_office.slug == "mext-hq"
    joint = facts("151009", "grant", co_filers=["221007"])
    assert decide(joint, compiled, snapshot()).primary_office.slug == "cao-regional-revitalization"
    same_office = facts("151009", "grant", co_filers=["202029"])
    assert decide(same_office, compiled, snapshot()).is_triage  # joint, but both under 信越
    assert decide(facts("151009", "grant"), compiled, snapshot()).primary_office.slug == "digital-hq"


def test_a_municipal_override_beats_the_prefecture():
    base = snapshot()
    overridden = type(base)(**{**base.__dict__, "overrides": {("mlit-rtb", "282014"): "mlit-rtb-kobe"}})
    rules = [RuleSpec("transport", 1, {"policy_areas": ["transport-dx"]}, {"route_to": {"branch_of": "mlit-rtb"}})]
    compiled = compile_rule_set(rules, overridden)
    kobe = decide(facts("281000", "transport-dx"), compiled, overridden)
    himeji = decide(facts("282014", "transport-dx"), compiled, overridden)
    assert kobe.primary_office.slug == "mlit-rtb-kinki"
    assert himeji.primary_office.slug == "mlit-rtb-kobe"
    assert "姫路市は神戸運輸監理部の管轄" in himeji.explanation_ja


def test_an_unresolvable_branch_falls_through_to_the_next_rule_then_triage():
    base = snapshot()
    missing = type(base)(**{**base.__dict__, "jurisdictions": {**base.jurisdictions, "maff-rab": {}}})
    rules = [RuleSpec("agri", 1, {"policy_areas": ["smart-agri"]}, {"route_to": {"branch_of": "maff-rab"}})]
    decision = decide(facts("202029", "smart-agri"), compile_rule_set(rules, missing), missing)
    assert decision.is_triage
    assert "長野県を管轄する地方農政局が見つかりません" in decision.explanation_ja


def test_candidates_only_include_the_rules_of_the_bucket():
    rules = [
        RuleSpec(
            f"r{i}",
            i,
            {"policy_areas": ["smart-agri"], "prefectures": [f"{i % 47 + 1:02d}"], "keywords": [f"語{i}番"]},
            {"route_to": {"office": "maff-hq"}},
        )
        for i in range(470)
    ] + [RuleSpec("any", 1000, {}, {"collaborators": [{"office": "digital-hq"}]})]
    compiled = compile_rule_set(rules, snapshot())
    candidates = compiled.candidates("smart-agri", "20")
    assert [rule.spec.name for rule in candidates] == [f"r{i}" for i in range(19, 470, 47)] + ["any"]
    assert [rule.spec.name for rule in compiled.candidates("grant", "20")] == ["any"]


# --- validation ----------------------------------------------------------------------


def _errors(*rules):
    return [(error.rule, error.field, error.message) for error in validate_rules(list(rules), snapshot())]


@pytest.mark.parametrize(
    ("rule", "field", "needle"),
    [
        (RuleSpec("a", 1, {"policy_area": ["smart-agri"]}, {"route_to": {"office": "maff-hq"}}), "conditions.policy_area", "未知の条件"),
        (RuleSpec("b", 1, {"policy_areas": ["nope"]}, {"route_to": {"office": "maff-hq"}}), "conditions.policy_areas", "'nope'"),
        (RuleSpec("c", 1, {"policy_areas": []}, {"route_to": {"office": "maff-hq"}}), "conditions.policy_areas", "can never match"),
        (RuleSpec("d", 1, {}, {"route_to": {"office": "no-office"}}), "actions.route_to", "unknown office"),
        (RuleSpec("e", 1, {}, {"route_to": {"branch_of": "no-system"}}), "actions.route_to", "unknown office system"),
        (RuleSpec("f", 1, {}, {"route": {"office": "maff-hq"}}), "actions.route", "未知の動作"),
        (RuleSpec("g", 1, {"pattern": "("}, {"route_to": {"office": "maff-hq"}}), "conditions.pattern", "正規表現"),
        (RuleSpec("h", 1, {"prefectures": ["13"], "local_governments": ["202029"]}, {"route_to": {"office": "maff-hq"}}), "conditions", "can never match"),
        (RuleSpec("i", 1, {"kinds": ["village"], "local_governments": ["202029"]}, {"route_to": {"office": "maff-hq"}}), "conditions", "can never match"),
        (RuleSpec("j", 1, {"joint": False, "joint_across": "mic-bct"}, {"route_to": {"office": "maff-hq"}}), "conditions", "can never match"),
        (RuleSpec("k", 1, {}, {"sla_policy": "nope"}), "actions.sla_policy", "'nope'"),
        (RuleSpec("l", 1, {}, {}), "actions", "動作が一つもありません"),
        (RuleSpec("m", 1, {}, {"collaborators": [{"triage": True}]}), "actions.collaborators[0]", "unknown target"),
        (RuleSpec("n", 1, {"local_governments": ["202028"]}, {"route_to": {"office": "maff-hq"}}), "conditions.local_governments", "'202028'"),
    ],
)  # fmt: skip
def test_each_invalid_rule_is_named_with_its_field(rule, field, needle):
    errors = _errors(rule)
    assert any(name == rule.name and where == field and needle in message for name, where, message in errors), errors


def test_duplicate_names_are_refused():
    rule = RuleSpec("same", 1, {}, {"collaborators": [{"office": "maff-hq"}]})
    assert _errors(rule, rule)[0][:2] == ("same", "name")


@pytest.mark.parametrize(
    ("higher", "lower"),
    [
        ({"policy_areas": ["smart-agri", "grant"]}, {"policy_areas": ["smart-agri"], "prefectures": ["20"]}),
        ({}, {"policy_areas": ["smart-agri"]}),
        ({"prefectures": ["20"]}, {"local_governments": ["202029"]}),
        ({"keywords": ["ドローン"]}, {"keywords": ["農業用ドローン"], "policy_areas": ["smart-agri"]}),
        ({"joint": True}, {"joint_across": "mic-bct"}),
    ],
)
def test_a_shadowed_routing_rule_is_refused(higher, lower):
    errors = _errors(
        RuleSpec("higher", 10, higher, {"route_to": {"office": "maff-hq"}}),
        RuleSpec("lower", 20, lower, {"route_to": {"office": "mext-hq"}}),
    )
    assert [(rule, field) for rule, field, _ in errors] == [("lower", "actions.route_to")]
    assert "higher" in errors[0][2]


@pytest.mark.parametrize(
    ("higher", "lower"),
    [
        ({"policy_areas": ["smart-agri"]}, {"policy_areas": ["smart-agri", "grant"]}),
        ({"keywords": ["農業用ドローン"]}, {"keywords": ["ドローン"]}),
        ({"prefectures": ["20"]}, {"local_governments": ["202029", "151009"]}),
        ({"urgency": ["urgent"]}, {}),
    ],
)
def test_a_narrower_higher_rule_does_not_shadow(higher, lower):
    assert (
        _errors(
            RuleSpec("higher", 10, higher, {"route_to": {"office": "maff-hq"}}),
            RuleSpec("lower", 20, lower, {"route_to": {"office": "mext-hq"}}),
        )
        == []
    )


def test_compiling_an_invalid_set_raises_with_every_error():
    with pytest.raises(RuleSetInvalid) as excinfo:
        compile_rule_set(
            [RuleSpec("x", 1, {"policy_areas": []}, {"route_to": {"office": "nope"}}), *default_rules()], snapshot()
        )
    assert len(excinfo.value.errors) == 2
    assert "規則「x」" in str(excinfo.value)


def test_disabled_rules_are_ignored_when_deciding():
    rules = [
        RuleSpec("off", 1, {}, {"route_to": {"office": "maff-hq"}}, enabled=False),
        RuleSpec("on", 2, {}, {"route_to": {"office": "mext-hq"}}),
    ]
    assert decide(facts(), compile_rule_set(rules, snapshot()), snapshot()).primary_office.slug == "mext-hq"

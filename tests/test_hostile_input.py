"""Input written to hurt, or just badly: every command answers with located lines and exit 2.

Nesting hundreds of levels deep, aliases that contain themselves, keys that are impossible
dates, tags on keys; and the everyday mistakes the messages should help with (a value written
almost right, one id where a list belongs, a profile naming an image that is not there). The
loader must also stay linear in the size of the file, and its fast (libyaml) path must read
every file exactly as the pure-Python path does.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import yaml
from conftest import CASES, EXAMPLE, SAMPLES, run_cli, run_subprocess

from cpcdocs import positioned_yaml as load_module
from cpcdocs.authority import builtin_authorities
from cpcdocs.errors import InvalidInput
from cpcdocs.load import MAX_DEPTH, load_authority, load_case, load_yaml

LOCATED = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): ")
EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _no_local_authorities(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


def case_with(tmp_path: Path, extra: str, name: str = "case.yaml") -> Path:
    """The contract example with ``extra`` appended at the top level."""
    path = tmp_path / name
    path.write_text(EXAMPLE_TEXT.rstrip("\n") + "\n" + extra, encoding="utf-8")
    return path


def example_lines() -> int:
    return EXAMPLE_TEXT.rstrip("\n").count("\n") + 1


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_case(path)
    return caught.value.lines()


# -- nesting ---------------------------------------------------------------------------------------


def flow_lists(depth: int) -> str:
    return "notes: " + "[" * depth + "]" * depth + "\n"


def block_mappings(depth: int) -> str:
    return (
        "notes:\n"
        + "".join("  " * i + f"k{i}:\n" for i in range(1, depth))
        + "  " * depth
        + "x: 1\n"
    )


def block_lists(depth: int) -> str:
    return "notes:\n" + "".join("  " * i + "-\n" for i in range(1, depth)) + "  " * depth + "- x\n"


@pytest.mark.parametrize("shape", [flow_lists, block_mappings, block_lists])
@pytest.mark.parametrize("command", ["validate", "check", "timeline", "render"])
def test_nesting_400_deep_is_a_located_error(tmp_path: Path, shape: object, command: str) -> None:
    case = case_with(tmp_path, shape(400))  # type: ignore[operator]
    out = tmp_path / "out"
    extra = ("-o", out) if command == "render" else ()
    status, stdout, err = run_cli(command, case, *extra)
    assert (status, stdout) == (2, "")
    assert "Traceback" not in err and "RecursionError" not in err
    (line,) = err.splitlines()
    match = LOCATED.match(line)
    assert match and match["file"] == str(case), line
    assert int(match["line"]) > example_lines()  # at the 51st level, in the appended key
    assert line.endswith(f"lists and mappings are nested more than {MAX_DEPTH} levels deep")
    assert not out.exists()


def test_nesting_at_the_limit_is_read(tmp_path: Path) -> None:
    # the document is level 1 and `notes:` is in it: 49 more levels are allowed
    allowed = case_with(tmp_path, flow_lists(MAX_DEPTH - 1), "allowed.yaml")
    assert problems_of(allowed) == [
        f"{allowed}:{example_lines() + 1}:1: notes: unknown key 'notes'"
    ]
    refused = case_with(tmp_path, flow_lists(MAX_DEPTH), "refused.yaml")
    (line,) = problems_of(refused)
    assert line.endswith("nested more than 50 levels deep")


def test_nesting_in_a_real_process(tmp_path: Path) -> None:
    case = case_with(tmp_path, flow_lists(5000))
    status, stdout, err = run_subprocess("validate", case)
    assert (status, stdout) == (2, "")
    assert "Traceback" not in err
    assert err.splitlines()[0].endswith("nested more than 50 levels deep")


def test_aliases_cannot_stack_depth_past_the_limit(tmp_path: Path) -> None:
    # each anchor is 40 deep and holds the previous one: 400 deep once expanded, though no
    # single place in the text is nested more than 41 levels
    lines = ["notes:"]
    for i in range(10):
        inner = f"*a{i - 1}" if i else "x"
        lines.append(f"  l{i}: &a{i} " + "[" * 40 + inner + "]" * 40)
    (line,) = problems_of(case_with(tmp_path, "\n".join(lines) + "\n"))
    assert line.endswith("nested more than 50 levels deep")


@pytest.mark.parametrize(
    "text", ["notes: &x [*x]", "notes: &x {a: *x}", "notes: &x {<<: *x}", "notes: &x [[[*x]]]"]
)
def test_an_alias_inside_itself_is_refused(tmp_path: Path, text: str) -> None:
    case = case_with(tmp_path, text + "\n")
    status, _, err = run_cli("validate", case)
    assert status == 2
    assert err.splitlines() == [
        f"{case}:{example_lines() + 1}:8: this list or mapping contains an alias of itself"
    ]


# -- keys and tags: reported with everything else --------------------------------------------------


def test_a_key_that_is_an_impossible_date_is_just_a_key(tmp_path: Path) -> None:
    case = case_with(tmp_path, "2027-13-01: review\nyes: 1\n")
    n = example_lines()
    assert problems_of(case) == [
        f"{case}:{n + 1}:1: 2027-13-01: unknown key '2027-13-01'",
        f"{case}:{n + 2}:1: yes: unknown key 'yes'",
    ]


def test_tags_are_reported_and_the_rest_of_the_file_still_checked(tmp_path: Path) -> None:
    text = EXAMPLE_TEXT.replace("type: initial", "type: Initial", 1)
    text += "!!python/name:os.system key: 1\nnotes: !!python/name:os.system ''\n"
    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    lines = problems_of(case)
    n = example_lines()
    assert lines == [
        f"{case}:12:9: conference.type: unknown value 'Initial' (did you mean 'initial'?)",
        f"{case}:{n + 1}:1: the tag 'tag:yaml.org,2002:python/name:os.system' is not allowed "
        "on a key",
        f"{case}:{n + 2}:8: notes: the tag 'tag:yaml.org,2002:python/name:os.system' is not "
        "allowed; write plain text",
    ]


# -- the loader is linear, and its two paths agree -------------------------------------------------


def information_items(count: int) -> str:
    """A case with ``count`` information items: a large authority's biggest cases."""
    head, rest = EXAMPLE_TEXT.split("information:\n", 1)
    tail = rest[rest.index("\n# Filled in after") :]
    items = "".join(
        f"  - id: item-{i}\n"
        "    children: [maya, theo]\n"
        "    about: [mother]\n"
        "    kind: fact\n"
        "    tags: [parent_health]\n"
        "    text: >\n"
        f"      Item {i}: Ms Harrow attended appointment {i} with her GP as arranged.\n"
        for i in range(count)
    )
    return head + "information:\n" + items + tail


def cpu_seconds(path: Path, repeat: int = 2) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        load_case(path)
        best = min(best, time.process_time() - started)
    return best


def test_loading_is_linear_in_the_number_of_items(tmp_path: Path) -> None:
    small, large = tmp_path / "small.yaml", tmp_path / "large.yaml"
    small.write_text(information_items(400), encoding="utf-8")
    large.write_text(information_items(1200), encoding="utf-8")
    small_cpu, large_cpu = cpu_seconds(small), cpu_seconds(large)
    assert small_cpu < 1.0, f"400 items took {small_cpu:.2f}s of CPU"
    # three times the items: about three times the work (quadratic would be nine)
    assert large_cpu < 6 * small_cpu + 0.05, (small_cpu, large_cpu)


def test_a_file_of_too_many_values_is_refused_before_it_is_all_composed(tmp_path: Path) -> None:
    case = case_with(tmp_path, "notes: [" + "a, " * 300_000 + "]\n")
    assert case.stat().st_size < load_module.MAX_BYTES
    started = time.process_time()
    (line,) = problems_of(case)
    assert time.process_time() - started < 5.0
    assert line.startswith(f"{case}:{example_lines() + 1}:")
    assert line.endswith(f"case file has more than {load_module.MAX_NODES} values")


#: Every case we ship or pin, but the alias bombs (200,000 values each way, for nothing new).
FILES = sorted(
    {*SAMPLES, EXAMPLE, *CASES.glob("*/case.yaml"), *EXAMPLE.parent.glob("*.yaml")}
    - set(CASES.glob("*bomb*/case.yaml")),
    key=str,
)


@pytest.mark.skipif(load_module._FastLoader is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_libyaml_reads_every_file_as_pyyaml_does(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read() -> object:
        try:
            located = load_yaml(path)
        except InvalidInput as err:
            return err.lines()
        return (located.data, located.values, located.keys, [str(p) for p in located.problems])

    fast = read()
    monkeypatch.setattr(load_module, "_FastLoader", None)
    assert read() == fast


@pytest.mark.parametrize("text", ["a: x\ty\n", "a:\tb\n", "a: [x,\ty]\n", "a: 1 \t# c\n"])
def test_tabs_are_read_as_pyyaml_reads_them(tmp_path: Path, text: str) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")

    def read(fast: object) -> object:
        saved = load_module._FastLoader
        load_module._FastLoader = fast  # type: ignore[assignment]
        try:
            return load_yaml(path).data
        except InvalidInput as err:
            return err.lines()
        finally:
            load_module._FastLoader = saved  # type: ignore[assignment]

    assert read(load_module._FastLoader) == read(None)


def test_non_ascii_text_is_located_alike_by_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("\ufeffa: [Zoë, 😀, x, {é: 😀😀, k: v}]\nb: ü   # 😀\n", encoding="utf-8")
    fast = load_yaml(path)
    monkeypatch.setattr(load_module, "_FastLoader", None)
    slow = load_yaml(path)
    assert fast.values == slow.values and fast.keys == slow.keys
    assert fast.values[("a", 3, "k")] == (1, 27)  # columns count characters, not bytes


# -- messages that say what was meant --------------------------------------------------------------


#: (what the example says, what a person wrote instead, the message after the field's name)
MEANT = [
    ("type: initial", "type: Initial", "unknown value 'Initial' (did you mean 'initial'?)"),
    (
        "role: social_worker",
        "role: social worker",
        "unknown value 'social worker' (did you mean 'social_worker'?)",
    ),
    (
        "category: emotional_abuse",
        "category: emotional",
        "unknown value 'emotional' (did you mean 'emotional_abuse'?)",
    ),
    (
        "relationship: mother",
        "relationship: Step-Mother",
        "unknown value 'Step-Mother' (did you mean 'step_mother'?)",
    ),
    ("lives_with: [mother]", "lives_with: mother", "expected a list; write lives_with: [mother]"),
    (
        "name: Maya Lin Harrow",
        "name: [Maya Lin Harrow]",
        "expected text; write name: Maya Lin Harrow",
    ),
    (
        "  date: 2027-01-06",
        "  date: 06/01/2027",
        "expected a date written YYYY-MM-DD; write date: 2027-01-06 (day/month/year)",
    ),
    (
        "  date: 2027-01-06",
        "  date: 6th January 2027",
        "expected a date written YYYY-MM-DD; write date: 2027-01-06",
    ),
    (
        "about: [father-theo]",
        "about: 'father-theo: Quinn'",
        'expected a list; write about: ["father-theo: Quinn"]',
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), MEANT, ids=lambda v: str(v)[:24])
def test_messages_say_what_was_meant(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in EXAMPLE_TEXT
    case = tmp_path / "case.yaml"
    case.write_text(EXAMPLE_TEXT.replace(old, new, 1), encoding="utf-8")
    (line,) = problems_of(case)
    assert line.split(": ", 2)[2] == expected


def test_no_suggestion_for_a_different_thing(tmp_path: Path) -> None:
    # domestic abuse is not a category, and it is not physical_abuse either
    case = tmp_path / "case.yaml"
    case.write_text(
        EXAMPLE_TEXT.replace("category: emotional_abuse", "category: domestic_abuse", 1),
        encoding="utf-8",
    )
    (line,) = problems_of(case)
    assert "did you mean" not in line
    assert line.endswith(
        "expected 'physical_abuse', 'emotional_abuse', 'sexual_abuse' or 'neglect'"
    )


def test_a_long_text_where_a_list_belongs_gets_no_rewrite(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    long = "Claire Harrow, who is Maya's mother and lives at the flat"
    case.write_text(EXAMPLE_TEXT.replace("lives_with: [mother]", f"lives_with: {long}", 1))
    (line,) = problems_of(case)
    assert line.endswith("children[0].lives_with: expected a list")


def test_an_unknown_role_causes_no_follow_on_errors(tmp_path: Path) -> None:
    # sw-patel is flagged lead social worker and named lead in the decision; chair-okafor chairs
    text = EXAMPLE_TEXT.replace("role: social_worker", "role: socialworker", 1)
    text = text.replace("    role: chair\n", "    role: Chair\n", 1)
    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    fields = [line.split(": ")[1] for line in problems_of(case)]
    assert fields == ["professionals[0].role", "professionals[1].role"]


# -- authority profiles ----------------------------------------------------------------------------


def profile_copy(tmp_path: Path, *, images: bool) -> Path:
    """The built-in profile in a folder of its own, with or without its images."""
    source = builtin_authorities()["northmoor"]
    folder = tmp_path / "profile"
    folder.mkdir()
    shutil.copy(source, folder / "northmoor.yaml")
    if images:
        shutil.copy(source.parent / "logo.png", folder / "logo.png")
        (folder / "signatures").mkdir()
        shutil.copy(source.parent / "signatures" / "chair-okafor.png", folder / "signatures")
    return folder / "northmoor.yaml"


def line_of(path: Path, fragment: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if fragment in line)


def test_a_profile_with_its_images_loads(tmp_path: Path) -> None:
    profile = load_authority(profile_copy(tmp_path, images=True))
    assert profile.logo_path is not None and profile.signature_path("chair-okafor") is not None


def test_missing_logo_and_signature_are_errors(tmp_path: Path) -> None:
    path = profile_copy(tmp_path, images=False)
    status, out, err = run_cli("validate", EXAMPLE, "--authority", path)
    assert (status, out) == (2, "")
    folder = path.parent
    assert err.splitlines() == [
        f"{path}:{line_of(path, 'logo:')}:7: logo: no image file 'logo.png' beside the profile "
        f"({folder / 'logo.png'})",
        f"{path}:{line_of(path, 'chair-okafor:')}:17: signatures.chair-okafor: no image file "
        f"'signatures/chair-okafor.png' beside the profile "
        f"({folder / 'signatures' / 'chair-okafor.png'})",
    ]


def test_a_folder_is_not_a_logo(tmp_path: Path) -> None:
    path = profile_copy(tmp_path, images=True)
    (path.parent / "logo.png").unlink()
    (path.parent / "logo.png").mkdir()
    with pytest.raises(InvalidInput) as caught:
        load_authority(path)
    assert [p.path for p in caught.value.problems] == ["logo"]
    assert "'logo.png' is a folder, not an image file" in caught.value.problems[0].message


def test_every_missing_profile_key_is_reported_at_once(tmp_path: Path) -> None:
    path = profile_copy(tmp_path, images=True)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["phone"], data["email"]
    data["complaints"] = {"chairs_manger": data["complaints"]["chairs_manager"]}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_authority(path)
    messages = [f"{p.path}: {p.message}" for p in caught.value.problems]
    for expected in (
        ": required key 'phone' is missing",
        ": required key 'email' is missing",
        "complaints: required key 'chairs_manager' is missing",
        "complaints: required key 'complaints_manager' is missing",
        "complaints.chairs_manger: unknown key 'chairs_manger' (did you mean 'chairs_manager'?)",
    ):
        assert expected in messages, messages

"""The search-space language: hp constructors, compilation, sampling, space_eval."""

import math

import numpy as np
import pytest

from hpsk import DuplicateLabelError, InvalidParameterError, hp, space_eval
from hpsk.space import Build, compile_space, construct, option_name


def test_every_constructor_samples_with_hyperopt_semantics():
    space = {
        "u": hp.uniform("u", -2, 3),
        "qu": hp.quniform("qu", 0, 10, 2.5),
        "lu": hp.loguniform("lu", math.log(1e-3), math.log(1e2)),
        "qlu": hp.qloguniform("qlu", math.log(1), math.log(100), 5),
        "n": hp.normal("n", 10, 0.5),
        "qn": hp.qnormal("qn", 0, 5, 1),
        "ln": hp.lognormal("ln", 0, 1),
        "qln": hp.qlognormal("qln", 2, 0.5, 0.5),
        "r1": hp.randint("r1", 7),
        "r2": hp.randint("r2", 3, 9),
        "ui": hp.uniformint("ui", 2, 6),
        "c": hp.choice("c", ["a", "b", "c"]),
    }
    compiled = compile_space(space)
    points = compiled.sample(2000, np.random.default_rng(0))
    values = {label: np.array([p[label] for p in points]) for label in compiled.labels}
    assert values["u"].min() >= -2 and values["u"].max() <= 3
    assert np.allclose(values["qu"] / 2.5, np.round(values["qu"] / 2.5))
    assert values["lu"].min() >= 1e-3 and values["lu"].max() <= 1e2
    # loguniform spends as much mass per decade: about 20 % in each of 5 decades.
    assert 0.15 < np.mean(values["lu"] < 1e-2) < 0.25
    assert np.allclose(values["qlu"] % 5, 0)
    assert abs(values["n"].mean() - 10) < 0.05
    assert np.all(values["ln"] > 0)
    assert np.allclose(values["qln"] % 0.5, 0)
    assert set(values["r1"]) == set(range(7))
    assert set(values["r2"]) == set(range(3, 9))
    assert all(isinstance(p["r1"], int) and isinstance(p["c"], int) for p in points[:10])
    evaluated = [space_eval(space, p) for p in points[:50]]
    assert all(isinstance(e["ui"], int) and 2 <= e["ui"] <= 6 for e in evaluated)
    assert {e["c"] for e in evaluated} == {"a", "b", "c"}


def test_pchoice_follows_its_probabilities():
    node = hp.pchoice("p", [(0.1, "rare"), (0.9, "common")])
    points = compile_space(node).sample(5000, np.random.default_rng(1))
    share = np.mean([p["p"] == 1 for p in points])
    assert 0.88 < share < 0.92


def test_conditional_parameters_appear_only_on_their_branch():
    space = hp.choice("model", [
        {"kind": "svm", "C": hp.loguniform("svm.C", -3, 3)},
        {"kind": "tree", "depth": hp.randint("tree.depth", 1, 10),
         "split": hp.choice("tree.split", [{"a": hp.uniform("tree.a", 0, 1)}, "best"])},
    ])
    compiled = compile_space(space)
    assert compiled.conditions["svm.C"] == ((("model", 0),),)
    assert compiled.conditions["tree.a"] == ((("model", 1), ("tree.split", 0)),)
    for point in compiled.sample(300, np.random.default_rng(2)):
        if point["model"] == 0:
            assert set(point) == {"model", "svm.C"}
        else:
            assert "svm.C" not in point and "tree.depth" in point
            assert ("tree.a" in point) == (point["tree.split"] == 0)
        value = space_eval(space, point)
        assert value["kind"] == ("svm" if point["model"] == 0 else "tree")


def _tree_or_svm():
    return hp.choice("model", [
        {"kind": "svm", "C": hp.loguniform("svm.C", -3, 3)},
        {"kind": "tree", "depth": hp.randint("tree.depth", 1, 10),
         "split": hp.choice("tree.split", [{"a": hp.uniform("tree.a", 0, 1)}, "best"])},
    ])


def test_complete_makes_the_choices_a_given_label_needs_and_draws_the_rest():
    compiled = compile_space(_tree_or_svm())
    rng = np.random.default_rng(0)
    for _ in range(20):
        point = compiled.complete({"tree.a": 0.25}, rng)
        assert point["model"] == 1 and point["tree.split"] == 0 and point["tree.a"] == 0.25
        assert 1 <= point["tree.depth"] < 10 and "svm.C" not in point
    # A choice given steers the label; labels the point leaves inactive are dropped.
    point = compiled.complete({"model": 0}, rng)
    assert set(point) == {"model", "svm.C"}
    assert space_eval(_tree_or_svm(), compiled.complete({"svm.C": 2.0}, rng)) == {"kind": "svm", "C": 2.0}


def test_within_prior_checks_bounds_on_the_value_scale():
    compiled = compile_space({"c": hp.loguniform("c", math.log(0.1), math.log(10)),
                              "n": hp.randint("n", 1, 5), "k": hp.choice("k", ["a", "b"])})
    assert compiled.within_prior("c", 0.1) and compiled.within_prior("c", 10.0)
    assert not compiled.within_prior("c", 11.0) and not compiled.within_prior("c", float("nan"))
    assert compiled.within_prior("n", 4) and not compiled.within_prior("n", 5)
    assert compiled.within_prior("k", 1) and not compiled.within_prior("k", 2)


@pytest.mark.parametrize("partial, message", [
    ({"nope": 1}, "unknown label"),
    ({"model": 2}, "option index in 0..1"),
    ({"model": True}, "option index"),
    ({"svm.C": float("nan")}, "finite number"),
    ({"model": 0, "tree.a": 0.5}, "'tree.a' cannot be active"),
    (["model"], "dict of label -> value"),
])
def test_complete_names_what_is_wrong_with_a_point(partial, message):
    with pytest.raises(ValueError, match=message):
        compile_space(_tree_or_svm()).complete(partial, np.random.default_rng(0))


def test_same_node_in_two_places_is_one_parameter():
    shared = hp.uniform("shared", 0, 1)
    space = hp.choice("c", [{"x": shared}, {"y": shared}])
    compiled = compile_space(space)
    assert compiled.labels.count("shared") == 1
    for point in compiled.sample(20, np.random.default_rng(0)):
        assert "shared" in point


def test_same_seed_same_samples():
    space = {"a": hp.uniform("a", 0, 1), "b": hp.choice("b", [1, 2, hp.normal("b.n", 0, 1)])}
    first = compile_space(space).sample(30, np.random.default_rng(5))
    second = compile_space(space).sample(30, np.random.default_rng(5))
    assert first == second


def test_build_nodes_construct_lazily():
    from sklearn.linear_model import LogisticRegression
    from hpsk.space import Build

    space = Build(LogisticRegression, kwargs={"C": hp.loguniform("C", -2, 2), "max_iter": 50})
    value = space_eval(space, {"C": 0.5})
    assert isinstance(value, LogisticRegression) and value.C == 0.5 and value.max_iter == 50


@pytest.mark.parametrize("make, message", [
    (lambda: {"a": hp.uniform("x", 0, 1), "b": hp.normal("x", 0, 1)}, "'x'"),
    (lambda: [hp.choice("c", [1, 2]), hp.choice("c", [3])], "'c'"),
])
def test_duplicate_labels_name_the_label(make, message):
    with pytest.raises(DuplicateLabelError, match=message):
        compile_space(make())


@pytest.mark.parametrize("make, message", [
    (lambda: hp.uniform("u", 1, 1), r"hp.uniform\('u'.*low must be < high"),
    (lambda: hp.loguniform("lu", 2, -2), r"low must be < high"),
    (lambda: hp.randint("r", 0), r"low must be < high"),
    (lambda: hp.randint("r", 5, 2), r"low must be < high"),
    (lambda: hp.quniform("q", 0, 1, 0), r"q must be > 0"),
    (lambda: hp.qloguniform("q", 0, 1, -1), r"q must be > 0"),
    (lambda: hp.normal("n", 0, 0), r"sigma must be > 0"),
    (lambda: hp.uniform("u", 0, float("inf")), r"finite"),
    (lambda: hp.pchoice("p", [(0.5, "a"), (0.4, "b")]), r"sum to 1"),
    (lambda: hp.pchoice("p", [(1.2, "a"), (-0.2, "b")]), r">= 0"),
    (lambda: hp.pchoice("p", ["a", "b"]), r"\(probability, option\)"),
    (lambda: hp.choice("c", []), r"at least one option"),
    (lambda: hp.uniform(3, 0, 1), r"label must be a non-empty string"),
])
def test_bad_distributions_raise_clear_errors(make, message):
    with pytest.raises(InvalidParameterError, match=message):
        make()


def test_point_missing_a_label_is_a_clear_error():
    space = {"a": hp.uniform("a", 0, 1), "b": hp.uniform("b", 0, 1)}
    with pytest.raises(ValueError, match="no value for label 'b'"):
        space_eval(space, {"a": 0.3})


def test_choice_index_out_of_range_is_a_clear_error():
    with pytest.raises(ValueError, match="option index in \\[0, 2\\)"):
        space_eval(hp.choice("c", ["x", "y"]), {"c": 5})


def test_inactive_labels_in_a_point_are_ignored():
    space = hp.choice("c", [{"a": hp.uniform("a", 0, 1)}, "plain"])
    assert space_eval(space, {"c": 1, "a": 0.5}) == "plain"


class Point2D:
    def __init__(self, x=0.0, y=0.0, scale=1.0):
        self.x, self.y, self.scale = x, y, scale


def test_a_build_node_names_what_it_builds():
    plain = Build(Point2D, kwargs={"x": hp.uniform("x", 0, 1)})
    assert plain.target is Point2D
    # construct(target, kwargs, branch): a chosen branch adds keyword arguments.
    branch = hp.choice("branch", [{"y": 1.0}, {"y": 2.0, "scale": hp.uniform("scale", 1, 2)}])
    branched = Build(construct, (Point2D, {"x": 0.5}, branch))
    assert branched.target is Point2D
    built = space_eval(branched, {"branch": 1, "scale": 1.5})
    assert isinstance(built, Point2D) and (built.x, built.y, built.scale) == (0.5, 2.0, 1.5)
    assert Build(int, (hp.uniform("u", 0, 9),)).target is int
    assert Build(len, ()).target is len


def test_option_names_with_a_point_are_what_best_params_shows():
    depth = hp.uniformint("depth", 1, 9)
    point = {"depth": 4.0, "c": 1}
    assert option_name(Build(Point2D), point) == "Point2D"
    assert option_name(Build(construct, (Point2D, {}, {})), point) == "Point2D"
    assert option_name(depth, point) == 4  # a parameter as an option: its value
    assert option_name(hp.uniform("u", 0, 1), {"u": 0.25}) == 0.25
    assert option_name(hp.choice("c", ["a", "b"]), point) == "b"
    assert option_name([Build(Point2D), None, "x"], point) == ["Point2D", None, "x"]
    assert [option_name(v, point) for v in (None, "text", 3, 2.5, True)] == [None, "text", 3, 2.5, True]
    assert option_name({"a": 1}, point) == "dict"


def test_option_names_without_a_point_are_strings_for_a_plot():
    assert option_name(Build(construct, (Point2D, {}, {}))) == "Point2D"
    assert option_name(hp.uniformint("depth", 1, 9)) == "depth"  # a parameter: its label
    assert option_name(hp.choice("c", ["a", "b"])) == "c"
    assert option_name([Build(Point2D), None]) == "Point2D + None"
    assert option_name([]) == "none"
    assert option_name({"learner": Build(Point2D), "k": 3}) == "{learner: Point2D, k: 3}"
    assert option_name(2.5) == "2.5" and option_name(None) == "None"

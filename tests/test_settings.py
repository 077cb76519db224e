"""The settings table (ganlab.config): a setting declared once appears in the form, the API and the CLI."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

import pytest

from ganlab.config import ConfigError, TrainConfig, form_settings, setting, settings


@dataclass(frozen=True)
class Dummy(TrainConfig):
    """TrainConfig with one more setting, declared the one way every setting is."""

    wiggle: int = setting(3, "Wiggle", "how much to wiggle", lo=0, hi=9, form=True)


def test_every_setting_has_a_label_help_and_flag():
    for s in settings():
        assert s.label and s.help and s.flag.startswith("--"), s
    names = [s.name for s in form_settings()]
    assert names == ["model", "dataset", "loss", "lr_g", "lr_d", "k", "batch_size", "latent_dim", "seed", "steps",
                     "compare", "compare_value", "speed", "optimizer"]  # the API's parameters: new ones only at the end


def test_a_new_setting_is_validated_and_reaches_the_form():
    from ganlab.ui.train.form import form_class

    assert Dummy().wiggle == 3
    with pytest.raises(ConfigError, match="wiggle must be between 0 and 9"):
        Dummy(wiggle=12)
    form = form_class(Dummy)
    assert form.names()[-1] == "wiggle"
    assert form(model="vanilla", dataset="ring", wiggle="").config().wiggle == 3  # a blank box: the default
    assert form(model="vanilla", dataset="ring", wiggle=5).config() == Dummy(model="vanilla", dataset="ring",
                                                                             wiggle=5)


def test_a_new_setting_is_a_parameter_of_the_train_api():
    import gradio as gr

    from ganlab.server.store import SessionStore
    from ganlab.ui.train import tab as train_tab

    with gr.Blocks() as demo:
        train_tab.lay_out(SessionStore(root=tempfile.mkdtemp(), idle_timeout_s=0), Dummy)
    api = demo.get_api_info()["named_endpoints"]
    for endpoint in ("/start", "/step", "/d_step", "/g_step"):
        params = [p["parameter_name"] for p in api[endpoint]["parameters"]]
        assert params == [*(s.name for s in form_settings()), "wiggle"], endpoint
    assert len(api["/preset"]["returns"]) == len(form_settings()) + 2  # every box, wiggle too, and the note


def test_a_new_setting_is_a_flag_of_the_train_command():
    import argparse

    from ganlab.cli.train import add_setting_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_setting_arguments(parser, Dummy)
    assert "--wiggle" in parser.format_help() and "how much to wiggle" in parser.format_help()
    args = parser.parse_args(["--model", "vanilla", "--dataset", "ring", "--wiggle", "4", "--d-steps", "2"])
    config = config_from_args(args, Dummy)
    assert config == Dummy(model="vanilla", dataset="ring", wiggle=4, k=2)
    assert config_from_args(parser.parse_args([]), Dummy).wiggle == 3

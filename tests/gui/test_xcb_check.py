"""`make run` checks the system libraries of Qt's xcb platform plugin first and names the missing packages."""

from pathlib import Path

from gui import xcb_check


def test_library_names_map_to_their_packages():
    assert xcb_check.package_of("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert xcb_check.package_of("libxcb-keysyms.so.1") == "libxcb-keysyms1"
    assert xcb_check.package_of("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert xcb_check.package_of("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert xcb_check.package_of("libdbus-1.so.3") == "libdbus-1-3"
    assert xcb_check.package_of("libEGL.so.1") == "libegl1"


def test_missing_libraries_are_named_once_in_plain_words(monkeypatch, capsys, tmp_path):
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    monkeypatch.setattr(xcb_check, "plugin_path", lambda: plugin)
    monkeypatch.setattr(xcb_check, "unresolved", lambda lib: ["libxcb-keysyms.so.1", "libxcb-icccm.so.4"])
    monkeypatch.setattr(xcb_check, "loadable", lambda soname: False)  # libxcb-cursor is loaded at run time
    assert xcb_check.missing_libraries() == ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert xcb_check.main({"DISPLAY": ":0"}) == 1
    err = capsys.readouterr().err
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in err
    assert err.count("libxcb-icccm4") == 2  # the list and the command, nothing repeated per library
    # offscreen, or no X display: nothing to check
    assert xcb_check.main({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}) == 0
    assert xcb_check.main({}) == 0
    assert capsys.readouterr().err == ""


def test_nothing_is_said_when_everything_is_there(monkeypatch, capsys):
    monkeypatch.setattr(xcb_check, "plugin_path", lambda: Path("/x/libqxcb.so"))
    monkeypatch.setattr(xcb_check, "unresolved", lambda lib: [])
    monkeypatch.setattr(xcb_check, "loadable", lambda soname: True)
    assert xcb_check.main({"DISPLAY": ":0"}) == 0
    assert capsys.readouterr().err == ""


def test_the_real_plugin_is_found_and_checked():
    plugin = xcb_check.plugin_path()
    assert plugin is not None and plugin.name == "libqxcb.so"
    assert all(lib.startswith("lib") for lib in xcb_check.missing_libraries(plugin))

"""Key-like strings are found and masked. Keys are assembled at run time so that no
key-shaped literal sits in the repository."""

from reviewer.validation.pii import scan


def test_openai_style_keys_are_found_and_masked():
    key = "sk-" + "proj-" + "Zx9" * 8
    found = list(scan(f"my key is {key}, please check"))
    assert [kind for kind, _ in found] == ["api_key"]
    masked = found[0][1]
    assert key not in masked and masked.startswith("sk")


def test_aws_style_access_key_is_found():
    assert [k for k, _ in scan("access key AKIA" + "IOSFODNN7EXAMPLE here")] == ["api_key"]


def test_ordinary_words_and_paths_are_not_keys():
    assert list(scan("see /usr/share/doc/printer-driver-manual for the sketch")) == []

"""Signed notes, checkpoints and cosignatures: the specs' examples, round trips and tampering."""

from __future__ import annotations

import base64

import pytest

from recall.ledger import note
from recall.ledger.note import NoteError

# c2sp.org/signed-note, section "Verifier keys", example.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n"
    "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
# golang.org/x/mod/sumdb/note, note_test.go (TestSign, TestOpen): Ed25519 is deterministic, so
# the same secret key must give the same signature byte for byte.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_SIGNED = (
    GO_TEXT
    + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
GO_ENOCH_SIG = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
)

ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
# c2sp.org/tlog-checkpoint example body.
SOFA = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


def test_spec_example_verifies():
    verifier = note.Verifier.from_vkey(SPEC_VKEY)
    assert verifier.key_id == 0x530D903A and verifier.vkey == SPEC_VKEY
    opened, verified = note.verify_note(SPEC_NOTE, [verifier])
    assert opened.text == "This is an example message.\n" and verified == [verifier]


def test_go_signer_key_signs_identically():
    signer = note.Signer.from_skey(GO_SKEY)
    assert signer.skey == GO_SKEY and signer.vkey == GO_VKEY
    assert note.sign_note(GO_TEXT, signer) == GO_SIGNED


def test_unknown_signatures_are_ignored_and_known_ones_checked():
    peter, enoch = note.Verifier.from_vkey(GO_VKEY), note.Verifier.from_vkey(GO_ENOCH_VKEY)
    both = GO_SIGNED + GO_ENOCH_SIG
    assert note.verify_note(both, [peter])[1] == [peter]
    assert note.verify_note(both, [peter, enoch])[1] == [peter, enoch]
    with pytest.raises(NoteError, match="no signature by a known key"):
        note.verify_note(SPEC_NOTE, [peter])
    # Same name, other key ID: unknown, ignored (and nothing else verifies).
    other = note.Signer.generate("PeterNeumann")
    with pytest.raises(NoteError, match="no signature by a known key"):
        note.verify_note(both, [other.verifier])
    # A known key's bad signature rejects the note even when another verifies.
    bad = both.replace("x08go/ZJ", "x08go/ZK")
    with pytest.raises(NoteError, match="does not verify"):
        note.verify_note(bad, [peter, enoch])


def test_tampered_text_fails():
    peter = note.Verifier.from_vkey(GO_VKEY)
    with pytest.raises(NoteError):
        note.verify_note(GO_SIGNED.replace("answer", "Answer"), [peter])


@pytest.mark.parametrize(
    "data",
    [
        "no blank line\n\u2014 a AAAAAAA=\n",
        "text\n\n",
        "text\n\n\u2014 a AAAAAAA=",  # no final newline
        "text\n\n- a AAAAAAA=\n",  # hyphen, not em dash
        "text\n\n\u2014 a+b AAAAAAA=\n",  # plus in a name
        "text\n\n\u2014 a not-base64\n",
        "text\n\n\u2014 a AAA=\n",  # shorter than a key ID
        "te\rxt\n\n\u2014 a AAAAAAA=\n",
        b"\xff\n\n\xe2\x80\x94 a AAAAAAA=\n",
    ],
)
def test_malformed_notes(data):
    with pytest.raises(NoteError):
        note.parse_note(data)


def test_text_may_hold_blank_lines_the_last_one_separates():
    parsed = note.parse_note("a\n\nb\n\n\u2014 k AAAAAAA=\n")
    assert parsed.text == "a\n\nb\n" and parsed.signatures[0].name == "k"


@pytest.mark.parametrize(
    "vkey",
    [
        "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # wrong key ID
        "example.com/foo+530d903a+BekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # unknown type
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U",  # short
        "example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
        "example.com/foo+530d903a",
        " +530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    ],
)
def test_malformed_verifier_keys(vkey):
    with pytest.raises(NoteError):
        note.Verifier.from_vkey(vkey)


def test_signer_key_with_a_wrong_id_is_refused():
    with pytest.raises(NoteError):
        note.Signer.from_skey(GO_SKEY.replace("c74f20a3", "c74f20a4"))


def test_generated_keys_round_trip():
    skey, vkey = note.generate_key("recall.example.kz/ledger")
    signer, verifier = note.Signer.from_skey(skey), note.Verifier.from_vkey(vkey)
    assert signer.verifier == verifier
    signed = note.sign_note("hello\n", signer)
    assert note.verify_note(signed, [verifier])[0].text == "hello\n"


# --- checkpoints ------------------------------------------------------------------------------
def test_checkpoint_body_of_the_spec_example():
    checkpoint = note.parse_checkpoint(SOFA)
    assert checkpoint == note.Checkpoint("example.com/behind-the-sofa", 20852163, ROOT)
    assert checkpoint.body() == SOFA
    with_ext = note.parse_checkpoint(SOFA + "extension line\n")
    assert with_ext.extensions == ("extension line",) and with_ext.body() == SOFA + "extension line\n"


@pytest.mark.parametrize(
    "body",
    [
        "origin\n12\n",
        "origin\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "origin\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "origin\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",  # unpadded
        "origin\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jx\n",  # not 32 bytes
        "\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        "origin\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\nx\n",  # empty extension line
        "origin\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
    ],
)
def test_malformed_checkpoints(body):
    with pytest.raises(NoteError):
        note.parse_checkpoint(body)


def test_signed_checkpoint_round_trip_and_wrong_key():
    log = note.Signer.generate("recall.example.kz/ledger")
    checkpoint = note.Checkpoint("recall.example.kz/petitions/7", 3, ROOT)
    signed = checkpoint.sign(log)
    opened, parsed = note.open_checkpoint(signed, log.verifier)
    assert opened == checkpoint and parsed.text == checkpoint.body()
    with pytest.raises(NoteError):
        note.open_checkpoint(checkpoint.sign(note.Signer.generate("recall.example.kz/ledger")), log.verifier)
    with pytest.raises(NoteError):
        note.open_checkpoint(signed.replace("\n3\n", "\n4\n"), log.verifier)


# --- cosignatures -----------------------------------------------------------------------------
def test_cosignature_message_is_the_specs():
    # c2sp.org/tlog-cosignature, "Ed25519 signed message".
    assert note.cosignature_message(SOFA, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )


def test_cosignature_key_id_uses_type_4():
    witness = note.Signer.generate("witness.example.com/w1", note.ALG_COSIGNATURE_V1)
    plain = note.Verifier(witness.name, note.ALG_ED25519, witness.public_key)
    assert witness.key_id == note.key_id(witness.name, 0x04, witness.public_key) != plain.key_id
    assert note.Verifier.from_vkey(witness.vkey).alg == 0x04


def test_cosign_and_verify():
    witness = note.Signer.generate("witness.example.com/w1", note.ALG_COSIGNATURE_V1)
    line = note.cosign(SOFA, witness, 1679315147)
    parsed = note.parse_signature_line(line)
    assert parsed.name == "witness.example.com/w1" and parsed.timestamp == 1679315147
    assert len(parsed.signature) == 8 + 64
    assert note.verify_cosignature(SOFA, line, witness.verifier) == 1679315147
    # Ed25519 over exactly the spec's message.
    raw = parsed.signature[8:]
    witness_public = note.Verifier(witness.name, note.ALG_ED25519, witness.public_key)
    assert witness_public.verify(note.cosignature_message(SOFA, 1679315147), raw)


def test_cosignature_tampering():
    witness = note.Signer.generate("witness.example.com/w1", note.ALG_COSIGNATURE_V1)
    line = note.cosign(SOFA, witness, 1679315147)
    other = SOFA.replace("20852163", "20852164")
    with pytest.raises(NoteError):
        note.verify_cosignature(other, line, witness.verifier)
    # Another timestamp in the line breaks the signature.
    parsed = note.parse_signature_line(line)
    moved = note.Signature(parsed.name, parsed.key_id, (1679315148).to_bytes(8, "big") + parsed.signature[8:])
    with pytest.raises(NoteError):
        note.verify_cosignature(SOFA, moved.line, witness.verifier)
    stranger = note.Signer.generate("witness.example.com/w1", note.ALG_COSIGNATURE_V1)
    with pytest.raises(NoteError, match="not by"):
        note.verify_cosignature(SOFA, line, stranger.verifier)


def test_a_cosigned_checkpoint_note_opens_with_log_and_witness_keys():
    log = note.Signer.generate("recall.example.kz/ledger")
    witness = note.Signer.generate("witness.example.com/w1", note.ALG_COSIGNATURE_V1)
    body = note.Checkpoint("recall.example.kz/petitions/7", 3, ROOT).body()
    full = note.add_signatures(note.sign_note(body, log), [note.cosign(body, witness, 1700000000)])
    assert note.verify_note(full, [log.verifier, witness.verifier])[1] == [log.verifier, witness.verifier]
    assert note.verify_note(full, [log.verifier])[1] == [log.verifier]  # the witness is unknown: ignored
    with pytest.raises(NoteError):
        note.sign_note(body, witness)  # a witness key only cosigns
    with pytest.raises(NoteError):
        note.cosign(body, log, 1)  # and the log's key never cosigns

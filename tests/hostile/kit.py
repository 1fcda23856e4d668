"""What an attacker works with, built without pytest so the benchmark can build it too: a genuine
signed KZ notice (the crossing restriction sample), its unsigned form, the keys and certificates
of two sides, and a local port that records any connection the gateway would make."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from types import MappingProxyType

from lxml import etree

from gateway import paths, pki
from gateway.wire.envelope import DSIG_NS
from gateway.wire.parsing import parse
from gateway.wire.signing import SigningKey, sign
from gateway.wire.trust import TrustStore
from tests.hostile import forge

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "crossing-restriction.xml"
PROFILE_NS = "urn:bgw:profile:kz-uz-border-2024:1"
ENV_NS = "urn:bgw:envelope:1"


class Listener:
    """A TCP port on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@dataclass
class Kit:
    """What an attacker works with: a genuine signed notice, its unsigned form, keys and certs."""

    signed: bytes
    unsigned: bytes
    kz: SigningKey
    uz: SigningKey
    kz_ca: pki.Issued
    port: int

    def root(self) -> etree._Element:
        return parse(self.unsigned)

    def signed_root(self) -> etree._Element:
        return etree.fromstring(self.signed)


def _ser(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _body(root: etree._Element) -> etree._Element:
    return root.find(f"{{{ENV_NS}}}Body")[0]  # type: ignore[index]


def _sig(root: etree._Element) -> etree._Element:
    return root.find(f"{{{DSIG_NS}}}Signature")  # type: ignore[return-value]


def _forged(kit: Kit, **recipe: object) -> bytes:
    root = kit.root()
    forge.forge_signature(root, forge.Recipe(**recipe), kit.kz.key, kit.kz.chain)  # type: ignore[arg-type]
    return _ser(root)


def _signed_with(kit: Kit, issued: pki.Issued) -> bytes:
    return sign(kit.root(), SigningKey(issued.key, (issued.certificate,)))


def make_kit(port: int) -> tuple[Kit, TrustStore]:
    """A kit and the trust store that goes with it, from a fresh PKI for KZ and UZ."""
    cas = {side: pki.make_ca(side) for side in ("KZ", "UZ")}
    signers = {}
    for side, ca in cas.items():
        node = pki.make_node(ca, side)
        signers[side] = SigningKey(node.key, (node.certificate,))
    unsigned = SAMPLE.read_bytes()
    kit = Kit(sign(parse(unsigned), signers["KZ"]), unsigned, signers["KZ"], signers["UZ"], cas["KZ"], port)
    return kit, TrustStore(MappingProxyType({side: (ca.certificate,) for side, ca in cas.items()}))


def ser(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def body(root: etree._Element) -> etree._Element:
    return root.find(f"{{{ENV_NS}}}Body")[0]  # type: ignore[index]


def sig(root: etree._Element) -> etree._Element:
    return root.find(f"{{{DSIG_NS}}}Signature")  # type: ignore[return-value]


def forged(kit: Kit, **recipe: object) -> bytes:
    root = kit.root()
    forge.forge_signature(root, forge.Recipe(**recipe), kit.kz.key, kit.kz.chain)  # type: ignore[arg-type]
    return ser(root)


def signed_with(kit: Kit, issued: pki.Issued) -> bytes:
    return sign(kit.root(), SigningKey(issued.key, (issued.certificate,)))

import json
import unittest
import uuid

from pt2cache import canonical_json, derive_key
from pt2cache.errors import CacheError
from pt2cache.keys import prune

from support import descriptor, fresh_client, needs_service

DOCUMENTED = {
    "model": {"name": "resnet50", "version": "1"},
    "software": {"torch": "2.11.0+cu130", "triton": "3.6.0", "cuda": "13.0", "python": "3.12.3"},
    "hardware": {"gpu": "NVIDIA H100 80GB HBM3", "capability": "9.0"},
    "compile": {"backend": "inductor", "mode": "default", "dynamic": False},
}


class KeyDerivationTest(unittest.TestCase):

    def test_the_documented_example(self):
        self.assertEqual(
            derive_key("mega-cache", DOCUMENTED),
            "7ca75c77f48e57955b98cdbd020e4e6af5c372b8a0fa0088ca901ed98a136765")

    def test_absent_null_and_empty_objects_mean_the_same(self):
        with_empties = dict(DOCUMENTED, hardware=dict(DOCUMENTED["hardware"], tags={}),
                            compile=dict(DOCUMENTED["compile"], options={}, mode=None))
        without = dict(DOCUMENTED, compile={"backend": "inductor", "dynamic": False})
        self.assertEqual(derive_key("mega-cache", with_empties), derive_key("mega-cache", without))

    def test_any_field_changes_the_key(self):
        base = derive_key("mega-cache", DOCUMENTED)
        changed = dict(DOCUMENTED, software=dict(DOCUMENTED["software"], torch="2.11.1+cu130"))
        self.assertNotEqual(derive_key("mega-cache", changed), base)
        self.assertNotEqual(derive_key("inductor-dir", DOCUMENTED), base)

    def test_numbers_and_strings_are_written_as_rfc_8785_asks(self):
        self.assertEqual(canonical_json({"b": [1, 2.5, 1e21, 1e-7, 0.1], "a": "é\n"}),
                         '{"a":"é\\n","b":[1,2.5,1e+21,1e-7,0.1]}')

    def test_a_misspelt_member_is_refused_not_dropped(self):
        for misspelt in (dict(DOCUMENTED, software=dict(DOCUMENTED["software"], cdua="12.8")),
                         dict(DOCUMENTED, extra={"ignored": True})):
            with self.assertRaises(ValueError):
                derive_key("mega-cache", misspelt)
        free_form = dict(DOCUMENTED, hardware=dict(DOCUMENTED["hardware"], tags={"any": "x"}),
                         compile=dict(DOCUMENTED["compile"], options={"anything": 1}))
        self.assertNotEqual(derive_key("mega-cache", free_form), derive_key("mega-cache", DOCUMENTED))

    def test_whole_numbers_past_two_to_the_53_keep_only_their_shortest_digits(self):
        self.assertEqual(canonical_json([9223372036854775807, 2 ** 64 - 1, 1.2345678901234567e20]),
                         "[9223372036854776000,18446744073709552000,123456789012345670000]")

    def test_arrays_are_kept_as_they_are(self):
        self.assertEqual(prune({"a": [None, {}], "b": {"c": None}}), {"a": [None, {}]})


@needs_service
class KeyAgreementTest(unittest.TestCase):
    """The client and the service derive the same key for the same descriptor."""

    def test_service_and_client_agree(self):
        client = fresh_client()
        cases = [
            DOCUMENTED,
            descriptor("m-" + uuid.uuid4().hex[:6], dynamic=True,
                       options={"max_autotune": True, "epilogue_fusion": False,
                                "triton.cudagraphs": False, "coordinate_descent_tuning": 1,
                                "shape_padding": 0.5}),
            dict(descriptor("unicode-é-模型"), hardware={"gpu": "NVIDIA A100-SXM4-80GB",
                                                      "capability": "8.0",
                                                      "tags": {"driver": "580.65", "mig": ""}}),
            # what JSON allows but the contract types otherwise: the service's reading decides
            {"model": {"name": "n", "version": 1}, "software": {"torch": "2.11"},
             "hardware": {"gpu": "g", "capability": 9.0, "tags": {"driver": 550, "ecc": True}},
             "compile": {"dynamic": "false", "options": {"big": 2 ** 53 + 1, "huge": 10 ** 21}}},
            # whole numbers past 2^53 are written by their shortest digits, as RFC 8785 asks
            descriptor("m-" + uuid.uuid4().hex[:6], dynamic="True",
                       options={"no_limit": 9223372036854775807, "u64": 2 ** 64 - 1,
                                "long": 12345678901234567890, "f": 1.2345678901234567e20}),
        ]
        for case in cases:
            for kind in ("mega-cache", "inductor-dir"):
                answer = client.lookup(kind, case)
                self.assertEqual(answer["key"], derive_key(kind, case), (kind, case))

    def test_both_refuse_a_member_the_contract_does_not_define(self):
        client = fresh_client()
        misspelt = dict(DOCUMENTED, software=dict(DOCUMENTED["software"], cdua="12.8"))
        with self.assertRaises(ValueError):
            derive_key("mega-cache", misspelt)
        with self.assertRaises(CacheError) as refused:
            client.lookup("mega-cache", misspelt)
        self.assertEqual(refused.exception.status, 400)
        self.assertEqual(refused.exception.slug, "malformed-request")
        self.assertIn("descriptor.software.cdua", refused.exception.detail)

    def test_both_refuse_a_number_for_dynamic(self):
        client = fresh_client()
        for value in (1, 0, ""):
            numbered = dict(DOCUMENTED, compile=dict(DOCUMENTED["compile"], dynamic=value))
            with self.assertRaises(ValueError):
                derive_key("mega-cache", numbered)
            answer = client.http.request(  # sent as it stands, past the client's own check
                "POST", client._ns("/lookups"),
                json.dumps({"kind": "mega-cache", "descriptor": numbered}).encode(),
                {"Content-Type": "application/json"}, expect=(200, 400))
            self.assertEqual(answer.status, 400, value)
            answer.close()


if __name__ == "__main__":
    unittest.main()

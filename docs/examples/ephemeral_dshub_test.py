# A Python test suite using a throw-away dshub (see README, "dshub as a test double").
# Requires: alibabacloud_tea_openapi (Alibaba's Python SDK core) and dshub on PATH (npx dshub).
import json
import subprocess
import unittest

from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_util import models as util_models


class DataWorksAgainstDshub(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc = subprocess.Popen(
            ["npx", "dshub", "serve", "--ephemeral", "--seed", "seed.yaml"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        cls.dshub = json.loads(cls.proc.stdout.readline())
        config = open_api_models.Config(
            access_key_id=cls.dshub["accessKeyId"],
            access_key_secret=cls.dshub["accessKeySecret"],
            endpoint=cls.dshub["endpoint"].removeprefix("http://"),
            protocol="http",
        )
        cls.client = OpenApiClient(config)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait()

    def call(self, action, query=None):
        params = open_api_models.Params(
            action=action, version="2024-05-18", protocol="HTTP", pathname="/",
            method="POST", auth_type="AK", style="RPC", req_body_type="formData", body_type="json",
        )
        request = open_api_models.OpenApiRequest(query=query or {})
        return self.client.call_api(params, request, util_models.RuntimeOptions())["body"]

    def test_seeded_workspace(self):
        projects = self.call("ListProjects")["PagingInfo"]["Projects"]
        self.assertEqual([p["Name"] for p in projects], ["sales"])


if __name__ == "__main__":
    unittest.main()

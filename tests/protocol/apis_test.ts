import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ApiKey } from "../../src/protocol/api.ts";
import { apiList, apis } from "../../src/protocol/apis.ts";
import { apiVersionsApi } from "../../src/protocol/api_versions.ts";
import { negotiateVersion } from "../../src/protocol/versions.ts";
import { kafkaFixtures } from "../fixtures/kafka_protocol_fixtures.ts";
import { decode, fromHex } from "../fixtures/protocol_helpers.ts";

describe("apis", () => {
  test("apis holds one descriptor per API this client uses, keyed as ApiKey", () => {
    assert.deepEqual(
      Object.fromEntries(Object.values(apis).map((api) => [api.name, api.key])),
      {
        ApiVersions: ApiKey.ApiVersions,
        Metadata: ApiKey.Metadata,
        Produce: ApiKey.Produce,
        InitProducerId: ApiKey.InitProducerId,
        FindCoordinator: ApiKey.FindCoordinator,
        AddPartitionsToTxn: ApiKey.AddPartitionsToTxn,
        EndTxn: ApiKey.EndTxn,
        SaslHandshake: ApiKey.SaslHandshake,
        SaslAuthenticate: ApiKey.SaslAuthenticate,
      },
    );
  });

  test("apis ranges and flexible versions follow Kafka's message definitions", () => {
    const table = Object.values(apis).map((api) => [
      api.name,
      api.minVersion,
      api.maxVersion,
      api.flexibleFrom,
    ]);
    assert.deepEqual(table, [
      ["ApiVersions", 0, 5, 3],
      ["Metadata", 1, 13, 9],
      ["Produce", 3, 13, 9],
      ["InitProducerId", 0, 5, 2],
      ["FindCoordinator", 0, 6, 3],
      ["AddPartitionsToTxn", 0, 3, 3],
      ["EndTxn", 0, 5, 3],
      ["SaslHandshake", 0, 1, Infinity],
      ["SaslAuthenticate", 0, 2, 2],
    ]);
  });

  test("apiList is sorted by API key", () => {
    assert.deepEqual(apiList.map((api) => api.key), [0, 3, 10, 17, 18, 22, 24, 26, 36]);
  });

  test("apiList negotiates against a decoded ApiVersions response", () => {
    const response = decode(apiVersionsApi, 4, fromHex(kafkaFixtures["ApiVersions.response.v4"]!));
    const negotiated = Object.fromEntries(
      apiList.map((api) => [api.name, negotiateVersion(api, response.apiKeys)]),
    );
    assert.deepEqual(negotiated, {
      Produce: 13,
      Metadata: 13,
      FindCoordinator: null,
      ApiVersions: 4,
      InitProducerId: null,
      AddPartitionsToTxn: null,
      EndTxn: null,
      SaslHandshake: null,
      SaslAuthenticate: null,
    });
  });
});

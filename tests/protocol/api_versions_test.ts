import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KafkaProtocolError } from "../../src/errors.ts";
import {
  apiVersionsApi,
  apiVersionsFallbackVersion,
  type ApiVersionsResponse,
  CLIENT_SOFTWARE_NAME,
  decodeApiVersionsErrorCode,
} from "../../src/protocol/api_versions.ts";
import type { Writer } from "../../src/protocol/writer.ts";
import { kafkaFixtures } from "../fixtures/kafka_protocol_fixtures.ts";
import {
  assertRobust,
  decode,
  encode,
  fields,
  fromHex,
  toHex,
  unknownTags,
  utf8,
  write,
} from "../fixtures/protocol_helpers.ts";

const request = { clientSoftwareVersion: "0.1.0" };

describe("apiVersionsApi", () => {
  test("apiVersionsApi describes ApiVersions v0-v5, flexible from v3", () => {
    assert.equal(apiVersionsApi.key, 18);
    assert.equal(apiVersionsApi.minVersion, 0);
    assert.equal(apiVersionsApi.maxVersion, 5);
    assert.equal(apiVersionsApi.flexibleFrom, 3);
    assert.equal(CLIENT_SOFTWARE_NAME, "webstream-kafka");
  });

  test("encode() writes an empty body for v0 (oldest) and v2 (last non-flexible)", () => {
    assert.deepEqual([...encode(apiVersionsApi, 0, request)], []);
    assert.deepEqual([...encode(apiVersionsApi, 2, request)], []);
  });

  test("encode() writes v3 (first flexible) and v4 field by field", () => {
    const expected = fields(
      [0x10, ...utf8("webstream-kafka")], // ClientSoftwareName: compact string, length 15 + 1
      [0x06, ...utf8("0.1.0")], //           ClientSoftwareVersion: compact string, length 5 + 1
      [0x00], //                             tagged fields: none
    );
    assert.deepEqual([...encode(apiVersionsApi, 3, request)], expected);
    assert.deepEqual([...encode(apiVersionsApi, 4, request)], expected);
  });

  test("encode() writes v5 (newest) with ClusterId and NodeId", () => {
    assert.deepEqual(
      [...encode(apiVersionsApi, 5, request)],
      fields(
        [0x10, ...utf8("webstream-kafka")], // ClientSoftwareName
        [0x06, ...utf8("0.1.0")], //           ClientSoftwareVersion
        [0x00], //                             ClusterId: null (compact length 0)
        [0xff, 0xff, 0xff, 0xff], //           NodeId: -1
        [0x00], //                             tagged fields: none
      ),
    );
    const bytes = encode(apiVersionsApi, 5, { ...request, clusterId: "cluster-a", nodeId: 7 });
    assert.deepEqual(
      [...bytes.subarray(22)],
      fields(
        [0x0a, ...utf8("cluster-a")], // ClusterId: compact string, length 9 + 1
        [0x00, 0x00, 0x00, 0x07], //     NodeId: 7
        [0x00], //                       tagged fields: none
      ),
    );
  });

  test("encode() matches Kafka's own ApiVersionsRequestData at every version", () => {
    for (let v = 0; v <= 5; v++) {
      const req = v >= 5 ? { ...request, clusterId: "cluster-a", nodeId: 7 } : request;
      assert.equal(
        toHex(encode(apiVersionsApi, v, req)),
        kafkaFixtures[`ApiVersions.request.v${v}`],
        `v${v}`,
      );
    }
  });

  test("encode() and decode() refuse versions outside v0-v5", () => {
    assert.throws(() => encode(apiVersionsApi, 6, request), RangeError);
    assert.throws(() => encode(apiVersionsApi, -1, request), RangeError);
    assert.throws(() => decode(apiVersionsApi, 6, new Uint8Array(8)), RangeError);
  });
});

function expectedResponse(version: number): ApiVersionsResponse {
  const flexible = version >= 3;
  return {
    errorCode: 0,
    apiKeys: [
      { apiKey: 0, minVersion: 3, maxVersion: 13 },
      { apiKey: 3, minVersion: 0, maxVersion: 13 },
      { apiKey: 18, minVersion: 0, maxVersion: 4 },
    ],
    throttleTimeMs: version >= 1 ? 5 : 0,
    supportedFeatures: flexible
      ? [{ name: "transaction.version", minVersion: 0, maxVersion: 2 }]
      : [],
    finalizedFeaturesEpoch: flexible ? 42n : -1n,
    finalizedFeatures: flexible
      ? [{ name: "transaction.version", maxVersionLevel: 2, minVersionLevel: 2 }]
      : [],
    zkMigrationReady: flexible,
  };
}

/** The test's own writer for an ApiVersions response, from the JSON field list. */
function writeResponse(w: Writer, version: number, res: ApiVersionsResponse, extra: boolean): void {
  const flexible = version >= 3;
  w.int16(res.errorCode);
  const writeKey = (w: Writer, k: ApiVersionsResponse["apiKeys"][number]): void => {
    w.int16(k.apiKey).int16(k.minVersion).int16(k.maxVersion);
    if (flexible) extra ? unknownTags(w) : w.tags();
  };
  if (flexible) w.compactArray(res.apiKeys, writeKey);
  else w.array(res.apiKeys, writeKey);
  if (version >= 1) w.int32(res.throttleTimeMs);
  if (!flexible) return;
  const sub = (fn: (w: Writer) => void): Uint8Array => write(fn);
  const fields = [
    {
      tag: 0,
      data: sub((w) =>
        w.compactArray(res.supportedFeatures, (w, f) => {
          w.compactString(f.name).int16(f.minVersion).int16(f.maxVersion);
          extra ? unknownTags(w) : w.tags();
        })
      ),
    },
    { tag: 1, data: sub((w) => w.int64(res.finalizedFeaturesEpoch)) },
    {
      tag: 2,
      data: sub((w) =>
        w.compactArray(res.finalizedFeatures, (w, f) => {
          w.compactString(f.name).int16(f.maxVersionLevel).int16(f.minVersionLevel);
          w.tags();
        })
      ),
    },
    { tag: 3, data: sub((w) => w.boolean(res.zkMigrationReady)) },
  ];
  if (extra) fields.push({ tag: 7, data: new Uint8Array([9, 9]) });
  w.tags(fields);
}

describe("apiVersionsApi.decode()", () => {
  test("decode() reads Kafka's own ApiVersionsResponseData at every version", () => {
    for (let v = 0; v <= 5; v++) {
      const bytes = fromHex(kafkaFixtures[`ApiVersions.response.v${v}`]!);
      assert.deepEqual(decode(apiVersionsApi, v, bytes), expectedResponse(v), `v${v}`);
    }
  });

  test("decode() reads a v2 body field by field", () => {
    const bytes = new Uint8Array(fields(
      [0x00, 0x00], //             ErrorCode: 0
      [0x00, 0x00, 0x00, 0x01], // ApiKeys: 1 entry
      [0x00, 0x00], //               ApiKey: 0 (Produce)
      [0x00, 0x03], //               MinVersion: 3
      [0x00, 0x0b], //               MaxVersion: 11
      [0x00, 0x00, 0x00, 0x64], // ThrottleTimeMs: 100
    ));
    const res = decode(apiVersionsApi, 2, bytes);
    assert.deepEqual(res.apiKeys, [{ apiKey: 0, minVersion: 3, maxVersion: 11 }]);
    assert.equal(res.throttleTimeMs, 100);
  });

  test("decode() round-trips every version, skipping unknown tagged fields", () => {
    for (let v = 0; v <= 5; v++) {
      const res = expectedResponse(v);
      for (const extra of [false, true]) {
        const bytes = write((w) => writeResponse(w, v, res, extra));
        assert.deepEqual(decode(apiVersionsApi, v, bytes), res, `v${v} extra=${extra}`);
      }
    }
  });

  test("decode() reads the v0 body a broker sends with UNSUPPORTED_VERSION", () => {
    const bytes = fromHex(kafkaFixtures["ApiVersions.response.unsupported.v0"]!);
    assert.deepEqual(
      [...bytes],
      fields(
        [0x00, 0x23], //             ErrorCode: 35 (UNSUPPORTED_VERSION)
        [0x00, 0x00, 0x00, 0x01], // ApiKeys: 1 entry (int32 count: v0 format)
        [0x00, 0x12], //               ApiKey: 18 (ApiVersions)
        [0x00, 0x00], //               MinVersion: 0
        [0x00, 0x03], //               MaxVersion: 3
      ),
    );
    for (const asked of [0, 3, 4, 5]) {
      const res = decode(apiVersionsApi, asked, bytes);
      assert.equal(res.errorCode, 35);
      assert.deepEqual(res.apiKeys, [{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
      assert.equal(apiVersionsFallbackVersion(res), 3);
      assert.equal(apiVersionsFallbackVersion(res, 2), 2);
    }
  });

  test("decode() returns only the error code of an error answer in no known shape", () => {
    for (const body of [[0x00, 0x23], [0x00, 0x23, 0xff], [0x00, 0x23, 0x7f, 0xff, 0xff, 0xff]]) {
      const res = decode(apiVersionsApi, 3, new Uint8Array(body));
      assert.equal(res.errorCode, 35);
      assert.deepEqual(res.apiKeys, []);
      assert.equal(apiVersionsFallbackVersion(res), 0);
    }
  });

  test("decode() reads the error code of librdkafka 2.0.2's mock answer to v3", () => {
    // Recorded from librdkafka 2.0.2's mock cluster, asked ApiVersions v3: neither a v0
    // nor a v3 body (a compact count of 0 entries followed by one entry anyway).
    const bytes = new Uint8Array(fields(
      [0x00, 0x23], //                                 ErrorCode: 35 (UNSUPPORTED_VERSION)
      [0x01, 0x00, 0x12, 0x00, 0x00, 0x00, 0x02], //   what looks like ApiVersions v0-v2
      [0x00, 0x00, 0x00, 0x00], //                     and four more bytes
    ));
    const res = decode(apiVersionsApi, 3, bytes);
    assert.equal(res.errorCode, 35);
    assert.deepEqual(res.apiKeys, []);
    assert.equal(apiVersionsFallbackVersion(res), 0); // retry at v0, which the mock answers
  });

  test("decode() throws KafkaProtocolError for a short body without an error", () => {
    assert.throws(() => decode(apiVersionsApi, 3, new Uint8Array([0, 0, 2])), KafkaProtocolError);
    assert.throws(() => decode(apiVersionsApi, 3, new Uint8Array([0])), KafkaProtocolError);
  });

  test("decodeApiVersionsErrorCode() reads the first two bytes only", () => {
    assert.equal(decodeApiVersionsErrorCode(new Uint8Array([0x00, 0x23, 0xde, 0xad])), 35);
    assert.equal(decodeApiVersionsErrorCode(new Uint8Array([0xff, 0xff])), -1);
    assert.throws(() => decodeApiVersionsErrorCode(new Uint8Array([0])), KafkaProtocolError);
  });

  test("decode() survives truncation and bit flips at every version", () => {
    for (let v = 0; v <= 5; v++) {
      assertRobust(apiVersionsApi, v, fromHex(kafkaFixtures[`ApiVersions.response.v${v}`]!));
      assertRobust(apiVersionsApi, v, write((w) => writeResponse(w, v, expectedResponse(v), true)));
    }
    // An error answer may decode short (to its error code): it must still never throw
    // anything but KafkaProtocolError.
    assertRobust(
      apiVersionsApi,
      3,
      fromHex(kafkaFixtures["ApiVersions.response.unsupported.v0"]!),
      {
        truncationThrows: false,
      },
    );
  });
});

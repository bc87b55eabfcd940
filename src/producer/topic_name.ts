/**
 * Kafka's rule for topic names, checked before a record is buffered so a bad name
 * fails that record at once instead of waiting out `maxBlockMs` for metadata.
 *
 * @module
 */

import { KafkaError } from "../errors.ts";
import { ErrorCode } from "../protocol/error_codes.ts";

const LEGAL = /^[a-zA-Z0-9._-]+$/;
/** Kafka's limit on topic name length. */
const MAX_LENGTH = 249;

/**
 * Checks a topic name as Kafka's `Topic.validate` does.
 *
 * @param topic The name.
 * @throws {KafkaError} INVALID_TOPIC_EXCEPTION naming the topic and the rule it breaks.
 */
export function checkTopicName(topic: unknown): asserts topic is string {
  let problem: string | null = null;
  if (typeof topic !== "string") problem = `it must be a string, not ${typeof topic}`;
  else if (topic.length === 0) problem = "it is empty";
  else if (topic === "." || topic === "..") problem = `"${topic}" is reserved`;
  else if (topic.length > MAX_LENGTH) problem = `it is longer than ${MAX_LENGTH} characters`;
  else if (!LEGAL.test(topic)) {
    problem = "it may contain only ASCII letters, digits, '.', '_' and '-'";
  }
  if (problem !== null) {
    throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, {
      message: `invalid topic name ${JSON.stringify(topic)}: ${problem}`,
    });
  }
}

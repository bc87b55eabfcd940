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
 * What is wrong with a topic name by Kafka's `Topic.validate`, or null if nothing.
 *
 * @param topic The name.
 * @returns The problem, or null.
 */
export function topicNameProblem(topic: unknown): string | null {
  if (typeof topic !== "string") return `it must be a string, not ${typeof topic}`;
  if (topic.length === 0) return "it is empty";
  if (topic === "." || topic === "..") return `"${topic}" is reserved`;
  if (topic.length > MAX_LENGTH) return `it is longer than ${MAX_LENGTH} characters`;
  if (!LEGAL.test(topic)) return "it may contain only ASCII letters, digits, '.', '_' and '-'";
  return null;
}

/**
 * Checks a topic name as Kafka's `Topic.validate` does.
 *
 * @param topic The name.
 * @throws {KafkaError} INVALID_TOPIC_EXCEPTION naming the topic and the rule it breaks.
 */
export function checkTopicName(topic: unknown): asserts topic is string {
  const problem = topicNameProblem(topic);
  if (problem !== null) {
    throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, {
      ...(typeof topic === "string" ? { topic } : {}),
      message: `Cannot use topic name ${JSON.stringify(topic)} as ${problem}`,
      byClient: true,
    });
  }
}

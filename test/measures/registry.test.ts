import { test } from "node:test";
import assert from "node:assert/strict";
import { MEASURES, MEASURE_GROUPS, MEASURE_NAMES, MEASURE_SETTINGS_SCHEMAS } from "../../src/measures/registry.js";

test("the registry gathers one group per topic: every measure once, each with a one-line description", () => {
  const fromGroups = MEASURE_GROUPS.flatMap((g) => Object.keys(g.measures));
  assert.deepEqual(fromGroups, [...MEASURE_NAMES]);
  assert.equal(new Set(fromGroups).size, fromGroups.length);
  for (const name of MEASURE_NAMES) {
    const d = MEASURES[name].describe;
    assert.ok(d.length > 10 && !d.includes("\n"), name);
    assert.equal(typeof MEASURES[name].compute, "function", name);
  }
});

test("the settings schemas of the topics that take measure_settings fill every key from {}", () => {
  assert.deepEqual(Object.keys(MEASURE_SETTINGS_SCHEMAS).sort(), ["complexity", "fourier", "llc", "surfing"]);
  for (const [key, schema] of Object.entries(MEASURE_SETTINGS_SCHEMAS)) {
    const parsed = schema.parse({}) as Record<string, unknown>;
    assert.ok(Object.keys(parsed).length > 0, key);
    for (const [k, v] of Object.entries(parsed)) assert.notEqual(v, undefined, `${key}.${k}`);
  }
});

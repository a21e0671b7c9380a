import { describe, expect, it } from 'vitest';
import { contextName, imageRefs } from '../../../src/wrapper/plan/dockerfile-refs.js';

describe('imageRefs', () => {
  it('finds FROM and --from images, not stages, scratch or stage indexes', () => {
    const df = 'FROM --platform=$X golang:1.22 AS build\nFROM build AS test\nCOPY --from=shop-base /x /x\nCOPY --from=build /y /y\nCOPY --from=0 /z /z\nFROM scratch\nRUN --mount=type=cache,from=cachebox,target=/c true\n';
    expect(imageRefs(df)).toEqual(['golang:1.22', 'shop-base', 'cachebox']);
  });

  it('substitutes global ARG defaults, overridden by --build-arg values', () => {
    const df = 'ARG BASE=mybase\nARG TAG\nFROM ${BASE}:${TAG:-1}\nARG LATE=x\nFROM $LATE\n';
    expect(imageRefs(df)).toEqual(['mybase:1']);
    expect(imageRefs(df, new Map([['BASE', 'other'], ['TAG', '2']]))).toEqual(['other:2']);
  });

  it('reads continued lines and skips comments', () => {
    expect(imageRefs('# a comment\nFROM \\\n  base:1 \\\n  AS b\nCOPY --from=b /a /a\n')).toEqual(['base:1']);
    expect(imageRefs('# escape=`\nFROM `\n  base:2\n')).toEqual(['base:2']);
  });

  it('treats a stage named like an image as the stage, as the frontend does', () => {
    expect(imageRefs('FROM debian:trixie AS mybase\nFROM mybase\nCOPY --from=mybase /a /a\n')).toEqual(['debian:trixie']);
  });
});

describe('contextName', () => {
  it('is the familiar reference without :latest, the key the frontend looks named contexts up by', () => {
    expect(contextName('mybase')).toBe('mybase');
    expect(contextName('mybase:latest')).toBe('mybase');
    expect(contextName('docker.io/library/debian:trixie')).toBe('debian:trixie');
    expect(contextName('reg:5000/a/b:1')).toBe('reg:5000/a/b:1');
  });
});

import { describe, expect, it } from 'vitest';
import { csvFields, imageDestination } from '../../../src/wrapper/plan/image-outputs.js';

describe('csvFields', () => {
  it('reads an --output value as Go csv does', () => {
    expect(csvFields('type=image,name=a')).toEqual(['type=image', 'name=a']);
    expect(csvFields('type=image,"name=a,b",push=true')).toEqual(['type=image', 'name=a,b', 'push=true']);
    expect(csvFields('"a""b"')).toEqual(['a"b']);
    expect(csvFields('"open')).toBeUndefined();
    expect(csvFields('a"b')).toBeUndefined();
  });
});

describe('imageDestination', () => {
  it('is the default load when nothing says where the image goes', () => {
    expect(imageDestination([], false)).toEqual({ push: false, names: [] });
    expect(imageDestination([''], false)).toEqual({ push: false, names: [] });
  });

  it('takes image, registry and docker outputs, pushing where they or --push say', () => {
    expect(imageDestination([], true)).toEqual({ push: true, names: [] });
    expect(imageDestination(['type=registry'], false)).toEqual({ push: true, names: [] });
    expect(imageDestination(['type=image,name=a:1,push=1'], false)).toEqual({ push: true, names: ['a:1'] });
    expect(imageDestination(['type=image,push=false', 'type=docker,name=a:1'], false)).toEqual({ push: false, names: ['a:1'] });
    expect(imageDestination(['TYPE=image,Name=a:1,name=a:1'], false)).toEqual({ push: false, names: ['a:1'] });
  });

  it('leaves any other output to buildx: files, tarballs and exporter options that change the image', () => {
    for (const o of ['out', '-', 'type=local,dest=out', 'type=tar,dest=x.tar', 'type=docker,dest=x.tar', 'type=oci,dest=x', 'type=image,push=maybe', 'type=image,compression=zstd', 'type=image,rewrite-timestamp=true', 'type=cacheonly', 'type=image,"name=a']) {
      expect(imageDestination([o], false), o).toBeUndefined();
    }
    expect(imageDestination(['type=image', 'type=local,dest=out'], false)).toBeUndefined();
  });
});

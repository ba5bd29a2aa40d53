import type { PipeTransform, Type } from '@nestjs/common';
import { FUMI_ARGS_METADATA } from '../fumi.constants.js';
import type { FumiParamType } from '../execution/fumi-paramtype.enum.js';

type Pipe = Type<PipeTransform> | PipeTransform;

function isPipe(value: unknown): value is Pipe {
  return (
    typeof value === 'function' ||
    (typeof value === 'object' && value !== null && typeof (value as PipeTransform).transform === 'function')
  );
}

/**
 * Records a parameter in the shape Nest's `ExternalContextCreator` reads (`type:index` keys),
 * so that pipes given here run like those of `@Body(...pipes)`.
 */
export function createFumiParamDecorator(type: FumiParamType) {
  return (dataOrPipe?: string | Pipe, ...pipes: Pipe[]): ParameterDecorator =>
    (target, key, index) => {
      const data = isPipe(dataOrPipe) ? undefined : dataOrPipe;
      const allPipes = isPipe(dataOrPipe) ? [dataOrPipe, ...pipes] : pipes;
      const ctor = target.constructor;
      const args = Reflect.getMetadata(FUMI_ARGS_METADATA, ctor, key as string) ?? {};
      Reflect.defineMetadata(
        FUMI_ARGS_METADATA,
        { ...args, [`${type}:${index}`]: { index, data, pipes: allPipes } },
        ctor,
        key as string,
      );
    };
}

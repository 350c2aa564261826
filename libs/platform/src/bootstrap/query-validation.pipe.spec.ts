import 'reflect-metadata';
import { BadRequestException } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max } from 'class-validator';
import { QueryValidationPipe } from './query-validation.pipe';

let transforms = 0;

class ListQuery {
  @IsString() @Transform(({ value }) => (transforms++, value)) q!: string;
  @IsOptional() @IsIn(['a', 'b'], { each: true }) state?: string[];
  @IsOptional() @Type(() => Number) @IsInt() @Max(100) limit: number = 50;
}

const query = { type: 'query' as const, metatype: ListQuery, data: undefined };
const body = { type: 'body' as const, metatype: ListQuery, data: undefined };

function pipe(maxEntries = 10): QueryValidationPipe {
  return new QueryValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }, maxEntries);
}

describe('QueryValidationPipe', () => {
  beforeEach(() => (transforms = 0));

  it('answers a query seen before without transforming it again, with an equal DTO of its own', async () => {
    const p = pipe();
    const first = (await p.transform({ q: 'x', state: ['a'], limit: '7' }, query)) as ListQuery;
    const again = (await p.transform({ q: 'x', state: ['a'], limit: '7' }, query)) as ListQuery;
    expect(transforms).toBe(1);
    expect(again).toBeInstanceOf(ListQuery);
    expect(again).toEqual(first);
    expect(again.limit).toBe(7);
    expect(again).not.toBe(first);
    expect(again.state).not.toBe(first.state);
    // a handler that changes its DTO changes no later request's
    again.state?.push('b');
    again.limit = 99;
    const third = (await p.transform({ q: 'x', state: ['a'], limit: '7' }, query)) as ListQuery;
    expect(third).toEqual({ q: 'x', state: ['a'], limit: 7 });
  });

  it('gives a bad query its 400 every time and remembers nothing of it', async () => {
    const p = pipe();
    for (let i = 0; i < 2; i++) {
      await expect(p.transform({ q: 'x', limit: '500' }, query)).rejects.toBeInstanceOf(BadRequestException);
      await expect(p.transform({ q: 'x', extra: '1' }, query)).rejects.toBeInstanceOf(BadRequestException);
    }
    expect(p.size).toBe(0);
  });

  it('tells different queries apart, keeps at most maxEntries, and leaves bodies to the plain pipe', async () => {
    const p = pipe(2);
    await p.transform({ q: 'a' }, query);
    await p.transform({ q: 'b' }, query);
    await p.transform({ q: 'a' }, query); // a is now the most recent
    await p.transform({ q: 'c' }, query); // forgets b
    expect(p.size).toBe(2);
    expect(transforms).toBe(3);
    await p.transform({ q: 'a' }, query);
    expect(transforms).toBe(3);
    await p.transform({ q: 'b' }, query);
    expect(transforms).toBe(4);
    await p.transform({ q: 'b' }, body);
    await p.transform({ q: 'b' }, body);
    expect(transforms).toBe(6);
  });

  it('remembers nothing when maxEntries is 0', async () => {
    const p = pipe(0);
    await p.transform({ q: 'a' }, query);
    await p.transform({ q: 'a' }, query);
    expect(transforms).toBe(2);
    expect(p.size).toBe(0);
  });
});

import { BadRequestException } from '@nestjs/common';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

/** The `limit` query parameter: 1 to 500 messages a page, 50 when absent; 400 for anything else. */
export function pageLimit(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PAGE_LIMIT;
  const limit = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_LIMIT)) {
    throw new BadRequestException(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`);
  }
  return limit;
}

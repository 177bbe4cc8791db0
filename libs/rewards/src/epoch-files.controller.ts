import { Controller, Get, Param, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from '@fanmesh/common';
import { EpochIdParam, EpochLeavesQuery } from './dto/rewards.dto';
import { EpochFilesService } from './epoch-files.service';

/** A published file never changes: caches may keep it for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Public epoch files: anyone can download every leaf and check it against the chain (docs/rewards.md "Check it yourself"). */
@ApiTags('rewards')
@Controller('epochs')
export class EpochFilesController {
  constructor(private readonly files: EpochFilesService) {}

  @Get()
  @Access('public')
  @ApiOperation({ summary: 'Every published epoch: root, total, accounts, the file hash committed on chain beside the root, the publishRoot transaction and where its file is' })
  list() {
    return this.files.list();
  }

  @Get(':epochId/file.json')
  @Access('public')
  @ApiProduces('application/json')
  @ApiOperation({
    summary:
      'The epoch file: every leaf (account, cumulative amount) with its per-kind breakdown, as the exact bytes whose keccak256 RootPublished commits (header x-epoch-file-hash)',
  })
  async json(@Param() p: EpochIdParam, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const file = await this.files.json(p.epochId);
    res.setHeader('x-epoch-file-hash', file.hash);
    res.setHeader('etag', `"${file.hash}"`);
    res.setHeader('cache-control', IMMUTABLE);
    return new StreamableFile(file.body, { type: 'application/json', disposition: `attachment; filename="fanmesh-epoch-${p.epochId}.json"`, length: file.body.length });
  }

  @Get(':epochId/file.csv')
  @Access('public')
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'The same leaves as CSV (account, cumulative, one column per reward kind); not hashed: check the JSON' })
  async csv(@Param() p: EpochIdParam, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const file = await this.files.csv(p.epochId);
    res.setHeader('x-epoch-file-hash', file.hash);
    res.setHeader('cache-control', IMMUTABLE);
    return new StreamableFile(Buffer.from(file.body, 'utf8'), { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="fanmesh-epoch-${p.epochId}.csv"` });
  }

  @Get(':epochId/leaves')
  @Access('public')
  @ApiOperation({ summary: 'The epoch file’s leaves a page at a time, by account: pass `next` as `cursor` for the next page' })
  leaves(@Param() p: EpochIdParam, @Query() q: EpochLeavesQuery) {
    return this.files.page(p.epochId, q.cursor, q.limit ?? 500);
  }
}

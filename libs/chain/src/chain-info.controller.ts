import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '@fanmesh/common';
import type { ChainInfoView } from '@fanmesh/protocol';
import { ChainService } from './chain.service';

@ApiTags('chain')
@Controller('chain')
export class ChainInfoController {
  constructor(private readonly chain: ChainService) {}

  @Get()
  @Access('public')
  @ApiOperation({
    summary:
      'The chain the platform attests and pays on, for anyone to check it: chain id, a JSON-RPC URL that may be published, the explorer, the contract addresses, and the parameters for wallet_addEthereumChain (EIP-3085)',
  })
  info(): ChainInfoView {
    return this.chain.info();
  }
}

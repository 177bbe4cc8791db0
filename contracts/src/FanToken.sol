// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IFanToken, IVersioned} from "./Common.sol";

/// @title FanToken: the venue's fan token. ERC-20 with EIP-2612 permit and a hard cap;
/// only holders of MINTER_ROLE (the RewardDistributor) can mint.
contract FanToken is ERC20, ERC20Capped, ERC20Permit, AccessControl, IFanToken, IVersioned {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    constructor(string memory name_, string memory symbol_, uint256 cap_, address admin)
        ERC20(name_, symbol_)
        ERC20Capped(cap_)
        ERC20Permit(name_)
    {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    function cap() public view override(ERC20Capped, IFanToken) returns (uint256) {
        return super.cap();
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Capped) {
        super._update(from, to, value);
    }
}

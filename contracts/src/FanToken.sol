// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712Base} from "./EIP712Base.sol";
import {
    IFanToken,
    IVersioned,
    ADMIN_TRANSFER_DELAY,
    nonZero,
    FanTokenCeilingExceeded,
    ERC20ExceededCap,
    ERC20InvalidCap,
    ERC2612ExpiredSignature,
    ERC2612InvalidSigner,
    RewardsNothingToClaim
} from "./Common.sol";

/// @title FanToken: the venue's fan token.
/// @notice ERC-20 with EIP-2612 permit and a hard cap. New tokens come only from reward claims: a
/// holder of MINTER_ROLE (the RewardDistributor) calls {mintRewards}, bounded by the mint ceiling
/// (the funded total of the latest reward epoch), itself bounded by the cap. There is no burn, so
/// the total supply is exactly the sum of every holder's lifetime rewards.
///
/// @dev Why not OpenZeppelin's ERC20: gas. A reward claim must record the claimant's cumulative amount
/// and credit their balance; in two contracts (a distributor mapping and the token's balance) a
/// first claim writes two fresh storage slots (2 x 22,100 gas). Here each holder is ONE word, the
/// balance and the lifetime rewards side by side, so a first claim writes one fresh slot. Likewise the
/// supply word packs the total supply, the mint ceiling and the rewards minter's role flag, so a claim
/// reads and writes one supply slot and needs no separate role lookup. The ERC-20 / EIP-2612 surface
/// and errors (EIP-6093) are OpenZeppelin's; the arithmetic bounds are stated at each `unchecked`.
contract FanToken is
    IFanToken,
    IERC20Metadata,
    IERC20Permit,
    IERC20Errors,
    IVersioned,
    AccessControlDefaultAdminRules,
    EIP712Base
{
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 private constant _PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    /// @dev One word per holder. Both fields are bounded by the total supply (<= cap < 2^120).
    struct Holder {
        uint128 balance;
        uint128 rewarded; // lifetime rewards minted for this account (its claimed cumulative amount)
    }

    /// @dev One word for the supply. `rewardsMinterActive` mirrors hasRole(MINTER_ROLE, _rewardsMinter).
    struct Supply {
        uint128 total;
        uint120 ceiling;
        bool rewardsMinterActive;
    }

    uint256 private immutable _cap;
    /// @dev The RewardDistributor's address, known at deploy time; while it holds MINTER_ROLE its mints
    /// are authorised from the supply word alone (no extra storage read). Any other minter, or this one
    /// after its role is revoked, goes through AccessControl as usual.
    address private immutable _rewardsMinter;

    string private _name;
    string private _symbol;
    Supply private _supply;
    mapping(address account => Holder) private _holders;
    mapping(address owner => mapping(address spender => uint256)) private _allowances;
    mapping(address owner => uint256) private _nonces;

    /// @param rewardsMinter_ the address the RewardDistributor will have (zero for none), granted
    /// MINTER_ROLE here, so the deployer never needs the admin role to wire it: the deployer passes
    /// the CREATE address of its own next nonce and deploys the distributor with that nonce.
    constructor(string memory name_, string memory symbol_, uint256 cap_, address admin, address rewardsMinter_)
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, nonZero(admin))
        EIP712Base(name_, "1")
    {
        if (cap_ == 0 || cap_ > type(uint120).max) revert ERC20InvalidCap(cap_);
        _name = name_;
        _symbol = symbol_;
        _cap = cap_;
        _rewardsMinter = rewardsMinter_;
        if (rewardsMinter_ != address(0)) _grantRole(MINTER_ROLE, rewardsMinter_); // sets rewardsMinterActive
    }

    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    // ------------------------------------------------------------------ ERC-20

    function name() external view returns (string memory) {
        return _name;
    }

    function symbol() external view returns (string memory) {
        return _symbol;
    }

    function decimals() external pure returns (uint8) {
        return 18;
    }

    function totalSupply() external view returns (uint256) {
        return _supply.total;
    }

    function balanceOf(address account) external view returns (uint256) {
        return _holders[account].balance;
    }

    function allowance(address owner, address spender) external view returns (uint256) {
        return _allowances[owner][spender];
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        _approve(msg.sender, spender, value);
        return true;
    }

    /// @dev An allowance of type(uint256).max is infinite and never decreases, as in OpenZeppelin.
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 current = _allowances[from][msg.sender];
        if (current != type(uint256).max) {
            if (current < value) revert ERC20InsufficientAllowance(msg.sender, current, value);
            unchecked {
                // cannot underflow: current >= value was checked above
                _allowances[from][msg.sender] = current - value;
            }
        }
        _transfer(from, to, value);
        return true;
    }

    // ------------------------------------------------------------------ EIP-2612

    function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
    {
        if (block.timestamp > deadline) revert ERC2612ExpiredSignature(deadline);
        uint256 nonce = _nonces[owner]++;
        bytes32 structHash = keccak256(abi.encode(_PERMIT_TYPEHASH, owner, spender, value, nonce, deadline));
        address signer = ECDSA.recover(_hashTypedDataV4(structHash), v, r, s);
        if (signer != owner) revert ERC2612InvalidSigner(signer, owner);
        _approve(owner, spender, value);
    }

    function nonces(address owner) external view returns (uint256) {
        return _nonces[owner];
    }

    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ------------------------------------------------------------------ supply

    function cap() external view returns (uint256) {
        return _cap;
    }

    function mintCeiling() external view returns (uint256) {
        return _supply.ceiling;
    }

    function rewardsOf(address account) external view returns (uint256) {
        return _holders[account].rewarded;
    }

    /// @notice The address whose mints skip the role lookup while it holds MINTER_ROLE.
    function rewardsMinter() external view returns (address) {
        return _rewardsMinter;
    }

    /// @inheritdoc IFanToken
    function setMintCeiling(uint256 ceiling) external onlyRole(MINTER_ROLE) {
        if (ceiling > _cap) revert ERC20ExceededCap(ceiling, _cap);
        _supply.ceiling = uint120(ceiling); // fits: ceiling <= cap <= type(uint120).max
        emit MintCeilingSet(ceiling);
    }

    /// @inheritdoc IFanToken
    function mintRewards(address account, address to, uint256 cumulativeAmount) external returns (uint256 amount) {
        Supply memory supply = _supply;
        if (msg.sender != _rewardsMinter || !supply.rewardsMinterActive) _checkRole(MINTER_ROLE);
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        Holder memory holder = _holders[account];
        if (cumulativeAmount <= holder.rewarded) {
            revert RewardsNothingToClaim(account, cumulativeAmount, holder.rewarded);
        }
        uint256 newTotal;
        unchecked {
            // cannot underflow: cumulativeAmount > holder.rewarded was checked above
            amount = cumulativeAmount - holder.rewarded;
        }
        newTotal = supply.total + amount; // checked: amount comes from calldata and may be huge
        if (newTotal > supply.ceiling) revert FanTokenCeilingExceeded(newTotal, supply.ceiling);
        // From here every value fits 120 bits: the sum of all rewards is the total supply, so
        // cumulativeAmount = holder.rewarded + amount <= newTotal <= ceiling <= cap < 2^120, and every
        // balance is at most the total supply.
        _supply = Supply(uint128(newTotal), supply.ceiling, supply.rewardsMinterActive);
        if (to == account) {
            _holders[account] = Holder(uint128(holder.balance + amount), uint128(cumulativeAmount));
        } else {
            _holders[account].rewarded = uint128(cumulativeAmount);
            _holders[to].balance += uint128(amount);
        }
        emit Transfer(address(0), to, amount);
    }

    // ------------------------------------------------------------------ internals

    function _transfer(address from, address to, uint256 value) private {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        uint256 fromBalance = _holders[from].balance;
        if (fromBalance < value) revert ERC20InsufficientBalance(from, fromBalance, value);
        unchecked {
            // cannot underflow: fromBalance >= value was checked above; cannot overflow: the sum of all
            // balances is the total supply (< 2^120), so to's balance + value fits 128 bits.
            _holders[from].balance = uint128(fromBalance - value);
            _holders[to].balance += uint128(value);
        }
        emit Transfer(from, to, value);
    }

    function _approve(address owner, address spender, uint256 value) private {
        if (owner == address(0)) revert ERC20InvalidApprover(address(0));
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _allowances[owner][spender] = value;
        emit Approval(owner, spender, value);
    }

    /// @dev Keeps the supply word's flag equal to hasRole(MINTER_ROLE, _rewardsMinter).
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == MINTER_ROLE && account == _rewardsMinter) _supply.rewardsMinterActive = true;
    }

    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == MINTER_ROLE && account == _rewardsMinter) _supply.rewardsMinterActive = false;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/*
 * Shared interfaces, structs, events and custom errors of the FanMesh contracts (after EAS's
 * Common.sol). Errors follow EIP-6093's shape: `<Domain><Problem>(the values that explain it)`.
 */

// ---------------------------------------------------------------------------------------------
// Shared structs
// ---------------------------------------------------------------------------------------------

/// @notice A confirmed match moment, as the platform attests it.
/// @dev `kind` numbers (MOMENT_KINDS in libs/protocol, docs/sensing-moments.md): 0 kickoff, 1 goal,
/// 2 halftime, 3 fulltime, 4 big_moment (a roar the sensors heard that was none of the others).
/// `momentId` and `eventId` are the platform's UUIDs, their 16 bytes left-aligned in the word.
/// `evidenceRoot` is an OpenZeppelin StandardMerkleTree root (leaves `bytes32`) over the evidence
/// envelopes' digests and, for a sensor moment, the rule context's digest (docs/protocol.md).
struct Moment {
    bytes32 momentId; // the platform's id of the moment (unique, never zero)
    bytes32 eventId; // the match / event it belongs to
    uint8 kind; // 0 kickoff, 1 goal, 2 halftime, 3 fulltime, 4 big_moment
    uint64 timestamp; // when it happened, unix seconds
    uint32 attendance; // verified attendance at that time
    bytes32 evidenceRoot; // Merkle root of the signed sensor readings that evidence it
}

/// @notice A registered device key: owner, nonce and revoked share one storage word; then the venue.
struct Device {
    address owner; // zero while unregistered
    uint64 nonce; // transfers so far; an owner-signed transfer must carry the current value
    bool revoked; // final: a revoked key can never be registered again
    bytes32 venueId;
}

// ---------------------------------------------------------------------------------------------
// Errors (EIP-6093 style)
// ---------------------------------------------------------------------------------------------

/// @dev A constructor or setter was given the zero address where a real one is required.
error FanMeshZeroAddress();

/// @dev FanToken: the mint would raise the supply past the current mint ceiling (the funded total).
error FanTokenCeilingExceeded(uint256 increasedSupply, uint256 ceiling);
/// @dev FanToken: a mint ceiling or supply above the hard cap.
error ERC20ExceededCap(uint256 increasedSupply, uint256 cap);
/// @dev FanToken: the cap is zero or does not fit the packed storage (uint120).
error ERC20InvalidCap(uint256 cap);
/// @dev FanToken: EIP-2612 permit past its deadline.
error ERC2612ExpiredSignature(uint256 deadline);
/// @dev FanToken: EIP-2612 permit not signed by the owner.
error ERC2612InvalidSigner(address signer, address owner);

/// @dev RewardDistributor: the proof does not place (account, cumulativeAmount) under the current root.
error RewardsInvalidProof(address account, uint256 cumulativeAmount);
/// @dev RewardDistributor: the account already claimed this cumulative amount (or more). A double
/// claim reverts rather than paying zero, so a relayer learns at once and pays no more gas.
error RewardsNothingToClaim(address account, uint256 cumulativeAmount, uint256 claimed);
/// @dev RewardDistributor: epochs must be published in increasing order.
error RewardsEpochNotIncreasing(uint64 epochId, uint64 currentEpochId);
/// @dev RewardDistributor: an epoch's total exceeds what was funded.
error RewardsEpochExceedsFunding(uint64 epochId, uint256 total, uint256 funded);
/// @dev RewardDistributor: an epoch's total is below what claims have already paid out.
error RewardsEpochBelowPaid(uint64 epochId, uint256 total, uint256 paid);
/// @dev RewardDistributor: a relayed claim's signature is past its deadline.
error RewardsExpiredSignature(uint256 deadline);
/// @dev RewardDistributor: a relayed claim was not signed by the account.
error RewardsInvalidSigner(address signer, address account);
/// @dev RewardDistributor: funding past what the token's cap can ever mint.
error RewardsFundingExceedsCap(uint256 funded, uint256 cap);
/// @dev RewardDistributor: an epoch's (cumulative) total exceeds what the emission schedule has released
/// by now, carried-over unspent weeks included (docs/protocol.md "The emission bound").
error RewardsEpochExceedsSchedule(uint64 epochId, uint256 total, uint256 allowance);
/// @dev RewardDistributor: an emission schedule with no season length, or a decay above 100 %.
error RewardsInvalidSchedule(uint256 seasonWeeks, uint256 decayBps);
/// @dev RewardDistributor: a schedule change that would start before the week in progress ends (or
/// before the current schedule's own start, while that is to come): a change only applies to weeks
/// that have not begun.
error RewardsScheduleStartTooEarly(uint256 start, uint256 earliest);

/// @dev MomentAttestor: a moment id is attested once; re-attesting reverts.
error MomentAlreadyAttested(bytes32 momentId);
/// @dev MomentAttestor: the moment id was never attested.
error MomentUnknown(bytes32 momentId);
/// @dev MomentAttestor: the moment was already revoked.
error MomentAlreadyRevoked(bytes32 momentId);
/// @dev MomentAttestor: the zero moment id is reserved (it means "none").
error MomentInvalidId();
/// @dev MomentAttestor: a record whose kind, timestamp or attendance word is out of its type's range.
error MomentInvalidRecord(bytes32 momentId);

/// @dev DeviceRegistry: the device key is (or was) registered.
error DeviceAlreadyRegistered(address device);
/// @dev DeviceRegistry: the device key was never registered.
error DeviceUnknown(address device);
/// @dev DeviceRegistry: the device key was revoked.
error DeviceIsRevoked(address device);
/// @dev DeviceRegistry: a signature recovered to `signer` where `expected` had to sign.
error DeviceInvalidSigner(address signer, address expected);
/// @dev DeviceRegistry: `caller` may not act on `device`.
error DeviceUnauthorized(address device, address caller);
/// @dev DeviceRegistry: a signed registration or transfer past its deadline.
error DeviceExpiredSignature(uint256 deadline);
/// @dev DeviceRegistry: the new owner is the zero address or the current owner.
error DeviceInvalidOwner(address owner);

// ---------------------------------------------------------------------------------------------
// Administration
// ---------------------------------------------------------------------------------------------

/// @dev Every FanMesh contract has one admin (OpenZeppelin AccessControlDefaultAdminRules), who moves
/// in two steps: the admin calls beginDefaultAdminTransfer(newAdmin), and newAdmin can call
/// acceptDefaultAdminTransfer() only after this delay. A stolen operator key never holds the admin
/// role, and a stolen admin key cannot hand the role over faster than the team can notice and cancel.
/// The admin may change the delay itself, which OpenZeppelin delays too.
uint48 constant ADMIN_TRANSFER_DELAY = 2 days;

/// @dev `account`, or {FanMeshZeroAddress} when it is zero: checks a constructor's admin before the
/// OpenZeppelin base constructor sees it (which would revert with its own error).
function nonZero(address account) pure returns (address) {
    if (account == address(0)) revert FanMeshZeroAddress();
    return account;
}

// ---------------------------------------------------------------------------------------------
// Interfaces
// ---------------------------------------------------------------------------------------------

/// @notice Every FanMesh contract reports its version, so a deployment can be identified on chain.
interface IVersioned {
    function version() external pure returns (string memory);
}

/// @notice FanToken: an ERC-20 whose only mint is a cumulative reward claim.
interface IFanToken is IERC20 {
    /// @notice The mint ceiling moved (the funded total of the latest reward epoch).
    event MintCeilingSet(uint256 ceiling);

    /// @notice Mints `cumulativeAmount - rewardsOf(account)` to `to` and records `cumulativeAmount` as
    /// `account`'s lifetime rewards. Reverts with {RewardsNothingToClaim} when nothing is due.
    function mintRewards(address account, address to, uint256 cumulativeAmount) external returns (uint256 amount);

    /// @notice Sets the supply that minting may reach (at most the cap).
    function setMintCeiling(uint256 ceiling) external;

    /// @notice Lifetime rewards minted for `account` (its claimed cumulative amount).
    function rewardsOf(address account) external view returns (uint256);

    function mintCeiling() external view returns (uint256);

    function cap() external view returns (uint256);
}

interface IRewardDistributor {
    /// @notice An epoch's root was published. `total` is the sum of all cumulative amounts in the tree.
    event EpochPublished(uint64 indexed epochId, bytes32 root, uint256 total);
    /// @notice The admin raised the total the distributor may ever pay out.
    event Funded(uint256 amount, uint256 funded);
    /// @notice `account` has now claimed `cumulativeAmount` in total. What this claim paid, and to whom,
    /// is in FanToken's Transfer(0x0, recipient, amount) of the same call (not repeated here: gas).
    event Claimed(address indexed account, uint256 cumulativeAmount);

    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external returns (uint256);

    function claimFor(
        address account,
        uint256 cumulativeAmount,
        address recipient,
        uint256 deadline,
        bytes calldata signature,
        bytes32[] calldata proof
    ) external returns (uint256);
}

interface IMomentAttestor {
    /// @notice A moment was attested; the full record is here for indexers, its hash is in storage.
    /// (The attester is the transaction's caller, an ATTESTER_ROLE holder; it is not repeated here,
    /// which keeps a batched attestation under 30,000 gas.)
    event Attested(
        bytes32 indexed momentId,
        bytes32 indexed eventId,
        uint8 kind,
        uint64 timestamp,
        uint32 attendance,
        bytes32 evidenceRoot
    );
    /// @notice A moment was revoked.
    event Revoked(bytes32 indexed momentId, address indexed attester, string reason);

    function attest(Moment calldata moment) external;

    function attestBatch(Moment[] calldata moments) external;

    function revoke(bytes32 momentId, string calldata reason) external;

    function verify(Moment calldata moment) external view returns (bool attested, bool revoked);
}

interface IDeviceRegistry {
    event DeviceRegistered(address indexed device, address indexed owner, bytes32 indexed venueId);
    event DeviceTransferred(address indexed device, address indexed from, address indexed to);
    event DeviceRevoked(address indexed device, address indexed by);

    function register(
        address device,
        address owner,
        bytes32 venueId,
        uint256 deadline,
        bytes calldata deviceSignature,
        bytes calldata ownerSignature
    ) external;

    function transfer(address device, address to) external;

    function transferBySig(address device, address to, uint256 deadline, bytes calldata ownerSignature) external;

    function revoke(address device) external;

    function deviceOf(address device) external view returns (Device memory);
}

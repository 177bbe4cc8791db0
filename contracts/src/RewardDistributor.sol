// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712Base} from "./EIP712Base.sol";
import {
    IFanToken,
    IRewardDistributor,
    IVersioned,
    ADMIN_TRANSFER_DELAY,
    nonZero,
    FanMeshZeroAddress,
    RewardsInvalidProof,
    RewardsEpochNotIncreasing,
    RewardsEpochExceedsFunding,
    RewardsEpochBelowPaid,
    RewardsExpiredSignature,
    RewardsInvalidSigner,
    RewardsFundingExceedsCap,
    RewardsEpochExceedsSchedule,
    RewardsInvalidSchedule,
    RewardsScheduleStartTooEarly
} from "./Common.sol";

/// @title RewardDistributor: cumulative Merkle rewards, minted on claim.
/// @notice Each epoch's root commits to every account's *cumulative* (lifetime) reward, as OpenZeppelin
/// StandardMerkleTree leaves of (address, uint256): leaf = keccak256(bytes.concat(keccak256(abi.encode(
/// account, cumulativeAmount)))). A claim pays the difference to what the account already claimed, so
/// one claim collects any number of epochs, and a double claim reverts ({RewardsNothingToClaim}).
///
/// Funding, and why a bad root cannot print money:
/// - the admin funds the distributor ({fund}): the lifetime total it may ever pay, at most the cap;
/// - the operator publishes one root per epoch with its total; the total may not exceed the funding,
///   nor fall below what was already paid, and it becomes FanToken's mint ceiling;
/// - claims mint (no pre-minted pool to guard) and FanToken refuses any mint past the ceiling, so the
///   sum of all payouts never exceeds the latest epoch's total, whatever the root's leaves say.
///
/// The emission bound (1.2.0), and why a stolen operator key cannot emit faster than the schedule:
/// - the admin (never the operator) sets the emission schedule: from `start`, `weekly` is released at
///   the start of each week (front-loaded: a week's amount is available from its first second), for
///   `seasonWeeks` weeks per season, each season's weekly amount `decayBps` basis points below the
///   previous one's (rounded down);
/// - a root's total (cumulative, like every amount here) may not exceed what the schedule has released
///   by the block's time ({allowance}). The bound is on the cumulative total, so a week that emitted
///   less than its amount leaves the rest to later epochs (carry-over), and no week can take more than
///   its own amount plus what earlier weeks left unspent;
/// - a schedule change ({setEmissionSchedule}) freezes what the old schedule released so far (the
///   weeks begun, the current one included) and the new schedule may only start once the week in
///   progress has ended: it can change what future weeks release, never what past or current weeks did.
///   What was released stays released (the frozen amount is at least every total published so far).
///
/// Public epoch files: beside each root the operator commits the keccak256 of the epoch's public file
/// (every leaf with its per-kind breakdown, canonical JSON; docs/rewards.md "Check it yourself") in
/// {RootPublished}, so a copy of the file found anywhere can be checked against the chain, and the root
/// rebuilt from it.
///
/// Where claimed amounts live: in FanToken, beside each holder's balance ({IFanToken-rewardsOf}), so a
/// first claim writes one fresh storage slot instead of two (see FanToken). {claimed} reads it there.
///
/// @dev Gas (bench/gas.ts: 100,000-leaf tree, 17-hash proofs): first claim ~71,200 (1inch's cumulative
/// drop 92,832), repeat claim ~54,200 (1inch 58,867). The repeat claim's floor in this two-contract
/// design is 21,000 (transaction) + ~9,600 (calldata, mostly the proof) + 3 cold reads (root, holder
/// word, supply word) + 2 writes + 2 logs + the cold call into the token = ~48,400 before any hashing;
/// a 50,000 target would need the claim inside the token and no Claimed log. We keep the specified
/// split (the token stays a token; distribution can change by granting MINTER_ROLE elsewhere).
contract RewardDistributor is IRewardDistributor, IVersioned, AccessControlDefaultAdminRules, EIP712Base {
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 private constant _CLAIM_TYPEHASH =
        keccak256("Claim(address account,uint256 cumulativeAmount,address recipient,uint256 deadline)");

    struct Epoch {
        uint64 id;
        uint192 total;
    }

    /// @dev One storage word: read once per publishRoot.
    struct Schedule {
        uint64 start; // unix seconds: the first week begins here
        uint128 weekly; // released at the start of each week of the first season
        uint16 decayBps; // each season's weekly amount is this many basis points below the previous one's
        uint16 seasonWeeks; // weeks per season (at least 1)
    }

    /// @dev One storage word, read once per publishRoot: the funding and the schedule's frozen part.
    /// `funded` <= cap < 2^120; `releasedBefore` saturates at 2^128 - 1, which never binds (a total is
    /// at most the funding, so below 2^120).
    struct Funding {
        uint128 funded; // the lifetime total the admin has funded
        uint128 releasedBefore; // what earlier emission schedules had released when the current one was set
    }

    uint256 private constant _WEEK = 7 days;
    uint256 private constant _BPS = 10_000;

    /// @notice Epoch `epochId`'s root was published with its total and `fileHash`, the keccak256 of the
    /// epoch's public file (canonical JSON bytes): everything needed to check an epoch is in this one log.
    /// (The interface's {EpochPublished} is emitted too, for indexers that follow it.)
    event RootPublished(uint64 indexed epochId, bytes32 root, uint256 total, bytes32 fileHash);

    /// @notice The emission schedule was set (at deployment, or by the admin from `start` on);
    /// `releasedBefore` is what earlier schedules had released when it was set, frozen.
    event EmissionScheduleSet(uint64 start, uint128 weekly, uint16 decayBps, uint16 seasonWeeks, uint256 releasedBefore);

    IFanToken private immutable _token;

    bytes32 private _root;
    Epoch private _epoch;
    Funding private _funding;
    Schedule private _schedule;

    /// @param start, weekly, decayBps, seasonWeeks the first emission schedule (see the contract's notes).
    /// `start` may lie in the past: the weeks since then are released at once (the deployer's choice, on
    /// chain for anyone to read, before any root exists).
    constructor(
        IFanToken token_,
        address admin,
        address operator,
        uint64 start,
        uint128 weekly,
        uint16 decayBps,
        uint16 seasonWeeks
    ) AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, nonZero(admin)) EIP712Base("FanMesh RewardDistributor", "1") {
        if (address(token_) == address(0) || operator == address(0)) revert FanMeshZeroAddress();
        _token = token_;
        _grantRole(OPERATOR_ROLE, operator);
        _setSchedule(start, weekly, decayBps, seasonWeeks, 0);
    }

    function version() external pure returns (string memory) {
        return "1.2.0";
    }

    // ------------------------------------------------------------------ views

    function token() external view returns (address) {
        return address(_token);
    }

    function merkleRoot() external view returns (bytes32) {
        return _root;
    }

    /// @return id the latest published epoch (0 before the first), total its funded total
    function currentEpoch() external view returns (uint64 id, uint256 total) {
        Epoch memory e = _epoch;
        return (e.id, e.total);
    }

    /// @notice The lifetime total the admin has funded.
    function funded() external view returns (uint256) {
        return _funding.funded;
    }

    /// @notice The cumulative amount `account` has claimed so far.
    function claimed(address account) external view returns (uint256) {
        return _token.rewardsOf(account);
    }

    /// @notice Everything claims have paid so far (FanToken's supply: claims are its only mint).
    function paid() external view returns (uint256) {
        return _token.totalSupply();
    }

    /// @notice The current emission schedule, and what earlier schedules had released when it was set.
    function emissionSchedule()
        external
        view
        returns (uint64 start, uint128 weekly, uint16 decayBps, uint16 seasonWeeks, uint256 releasedBefore)
    {
        Schedule memory s = _schedule;
        return (s.start, s.weekly, s.decayBps, s.seasonWeeks, _funding.releasedBefore);
    }

    /// @notice The cumulative amount the emission schedule has released by now: the most an epoch
    /// published now may total.
    function allowance() external view returns (uint256) {
        return _allowanceAt(block.timestamp, _funding.releasedBefore);
    }

    /// @notice The cumulative amount the current schedule will have released by `timestamp` (for times
    /// from the last schedule change on; earlier times read as that change's frozen amount).
    function allowanceAt(uint256 timestamp) external view returns (uint256) {
        return _allowanceAt(timestamp, _funding.releasedBefore);
    }

    // ------------------------------------------------------------------ admin and operator

    /// @notice Raises the lifetime total this distributor may pay out.
    function fund(uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 newFunded = _funding.funded + amount;
        uint256 cap = _token.cap();
        if (newFunded > cap) revert RewardsFundingExceedsCap(newFunded, cap);
        _funding.funded = uint128(newFunded); // fits: newFunded <= cap < 2^120
        emit Funded(amount, newFunded);
    }

    /// @notice Publishes an epoch's root. `total` is the sum of all cumulative amounts in the tree;
    /// `fileHash` is the keccak256 of the epoch's public file, which lists every leaf (not checked here:
    /// it is a commitment anyone can hold the operator to).
    function publishRoot(uint64 epochId, bytes32 root, uint256 total, bytes32 fileHash) external onlyRole(OPERATOR_ROLE) {
        uint64 current = _epoch.id;
        if (epochId <= current) revert RewardsEpochNotIncreasing(epochId, current);
        Funding memory funding = _funding;
        uint256 available = funding.funded;
        if (total > available) revert RewardsEpochExceedsFunding(epochId, total, available);
        uint256 alreadyPaid = _token.totalSupply();
        if (total < alreadyPaid) revert RewardsEpochBelowPaid(epochId, total, alreadyPaid);
        uint256 allowed = _allowanceAt(block.timestamp, funding.releasedBefore);
        if (total > allowed) revert RewardsEpochExceedsSchedule(epochId, total, allowed);
        _root = root;
        _epoch = Epoch(epochId, uint192(total)); // fits: total <= funded <= cap < 2^120
        _token.setMintCeiling(total);
        emit EpochPublished(epochId, root, total);
        emit RootPublished(epochId, root, total, fileHash);
    }

    /// @notice Replaces the emission schedule from `start` on. What the current schedule has released by
    /// now (the week in progress included) is frozen and stays released; the new schedule releases on
    /// top of it from `start`, which must be no earlier than the end of the week in progress, nor than
    /// the current schedule's own start while that has not come (that start already lies past the week
    /// the previous change left in progress). So no change releases anything for a week that has begun,
    /// two changes in one week release nothing twice, and between now and `start` nothing more is released.
    function setEmissionSchedule(uint64 start, uint128 weekly, uint16 decayBps, uint16 seasonWeeks)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        Schedule memory s = _schedule;
        uint256 earliest = s.start;
        if (block.timestamp >= earliest) earliest += ((block.timestamp - earliest) / _WEEK + 1) * _WEEK;
        if (start < earliest) revert RewardsScheduleStartTooEarly(start, earliest);
        _setSchedule(start, weekly, decayBps, seasonWeeks, _allowanceAt(block.timestamp, _funding.releasedBefore));
    }

    function _setSchedule(uint64 start, uint128 weekly, uint16 decayBps, uint16 seasonWeeks, uint256 releasedBefore)
        private
    {
        if (seasonWeeks == 0 || decayBps > _BPS) revert RewardsInvalidSchedule(seasonWeeks, decayBps);
        _schedule = Schedule(start, weekly, decayBps, seasonWeeks);
        _funding.releasedBefore = releasedBefore > type(uint128).max ? type(uint128).max : uint128(releasedBefore);
        emit EmissionScheduleSet(start, weekly, decayBps, seasonWeeks, releasedBefore);
    }

    /// @dev What earlier schedules released plus what the current one has released by `t`: every week
    /// begun by `t` releases its season's weekly amount. Without decay that is weekly × weeks begun;
    /// with decay, a loop over the seasons completed since `start` (stopping once the weekly amount
    /// has decayed to zero): ~100 gas a season, so a few hundred gas a decade at 13-week seasons.
    /// No overflow: weekly < 2^128, weeks begun < 2^46 (uint64 seconds), so every product < 2^190.
    function _allowanceAt(uint256 t, uint256 before) private view returns (uint256) {
        Schedule memory s = _schedule;
        if (t < s.start) return before;
        unchecked {
            uint256 weeksBegun = (t - s.start) / _WEEK + 1;
            uint256 weekly = s.weekly;
            uint256 kept = _BPS - s.decayBps;
            if (kept == _BPS) return before + weekly * weeksBegun;
            uint256 perSeason = s.seasonWeeks;
            uint256 seasons = (weeksBegun - 1) / perSeason; // seasons completed before the current week's
            uint256 released = before;
            for (uint256 k; k < seasons && weekly != 0; ++k) {
                released += weekly * perSeason;
                weekly = (weekly * kept) / _BPS;
            }
            return released + weekly * (weeksBegun - seasons * perSeason);
        }
    }

    // ------------------------------------------------------------------ claims

    /// @notice Claims `account`'s rewards up to `cumulativeAmount`. Anyone may send it: the tokens only
    /// ever go to `account`.
    /// @return amount what this claim paid
    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof)
        external
        returns (uint256 amount)
    {
        _verify(account, cumulativeAmount, proof);
        amount = _token.mintRewards(account, account, cumulativeAmount);
        emit Claimed(account, cumulativeAmount);
    }

    /// @notice Gasless claim: a relayer submits the fan's EIP-712 `Claim(account, cumulativeAmount,
    /// recipient, deadline)` signature and the tokens go to `recipient`, the fan's choice.
    /// @dev Replay: the signed cumulative amount is the nonce. Once claimed, the account's claimed
    /// amount equals it, so the same signature can only revert with {RewardsNothingToClaim}; and it
    /// cannot be used after `deadline`, on another chain or against another distributor (the domain).
    function claimFor(
        address account,
        uint256 cumulativeAmount,
        address recipient,
        uint256 deadline,
        bytes calldata signature,
        bytes32[] calldata proof
    ) external returns (uint256 amount) {
        if (block.timestamp > deadline) revert RewardsExpiredSignature(deadline);
        bytes32 structHash = keccak256(abi.encode(_CLAIM_TYPEHASH, account, cumulativeAmount, recipient, deadline));
        address signer = ECDSA.recover(_hashTypedDataV4(structHash), signature);
        if (signer != account) revert RewardsInvalidSigner(signer, account);
        _verify(account, cumulativeAmount, proof);
        amount = _token.mintRewards(account, recipient, cumulativeAmount);
        emit Claimed(account, cumulativeAmount);
    }

    /// @dev OpenZeppelin MerkleProof.verifyCalldata with the StandardMerkleTree leaf, inlined: at 17
    /// levels OpenZeppelin's loop (bounds checks and a function call per level) costs ~1,100 gas more.
    /// Same result: leaf = keccak256(keccak256(abi.encode(account, cumulativeAmount))), then for each
    /// sibling h = keccak256(min(h, sibling) ‖ max(h, sibling)); valid iff h == root.
    function _verify(address account, uint256 cumulativeAmount, bytes32[] calldata proof) private view {
        bytes32 root = _root;
        bool valid;
        assembly ("memory-safe") {
            // scratch space (0x00-0x3f) only; `account` is a clean address (the ABI decoder checked it)
            mstore(0x00, account)
            mstore(0x20, cumulativeAmount)
            mstore(0x00, keccak256(0x00, 0x40))
            let h := keccak256(0x00, 0x20)
            let p := proof.offset
            for { let end := add(p, shl(5, proof.length)) } lt(p, end) { p := add(p, 0x20) } {
                let sibling := calldataload(p)
                let swap := gt(h, sibling) // the smaller hash goes first
                mstore(shl(5, swap), h)
                mstore(shl(5, iszero(swap)), sibling)
                h := keccak256(0x00, 0x40)
            }
            valid := eq(h, root)
        }
        if (!valid) revert RewardsInvalidProof(account, cumulativeAmount);
    }
}

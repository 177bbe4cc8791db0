// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712Base} from "./EIP712Base.sol";
import {IVersioned, ADMIN_TRANSFER_DELAY, nonZero, FanMeshZeroAddress} from "./Common.sol";

/*
 * The poll-specific struct, errors and interface live here rather than in Common.sol: Common.sol is
 * imported by the other four contracts, and any edit to it changes their metadata hash, hence their
 * bytecode and deployment gas, which are pinned targets.
 */

/// @notice A fan's ballot, signed with EIP-712 in this contract's domain ('FanMesh Polls', '1').
struct Ballot {
    bytes32 pollId; // the platform's poll id
    uint8 option; // index into the poll's options
    uint64 issuedAt; // unix seconds; a later ballot of the same fan replaces an earlier one
}

/// @dev PollAttestor: a poll's result is attested once; re-attesting reverts.
error PollAlreadyAttested(bytes32 pollId);
/// @dev PollAttestor: the zero poll id is reserved (it means "none").
error PollInvalidId();
/// @dev PollAttestor: the zero tally hash is reserved (every real tally hashes to something else).
error PollInvalidTally(bytes32 pollId);

interface IPollAttestor {
    /// @notice A poll's closing result: `tallyHash` commits to the totals per option (and the snapshot
    /// block), `ballotsRoot` is the Merkle root of every counted ballot, so anyone holding the published
    /// ballots can recount and compare. (The attester is the transaction's caller.)
    event PollAttested(bytes32 indexed pollId, bytes32 tallyHash, bytes32 ballotsRoot);

    function attest(bytes32 pollId, bytes32 tallyHash, bytes32 ballotsRoot) external;

    function verify(bytes32 pollId, bytes32 tallyHash, bytes32 ballotsRoot) external view returns (bool);

    function ballotSigner(Ballot calldata ballot, bytes calldata signature) external view returns (address);
}

/// @title PollAttestor: closing tallies of fan polls, and the EIP-712 domain fans sign ballots in.
/// @notice Ballots are gasless: fans sign them off chain, the platform counts them and, at close,
/// attests one record per poll. Storage holds one word per poll (a commitment to the tally hash and
/// the ballots root); both values go out in {PollAttested}, and {verify} checks them. The contract is
/// also the ballots' `verifyingContract`, so a ballot cannot be replayed on another deployment or
/// chain, and {ballotSigner} lets anyone check a published ballot against the chain itself.
contract PollAttestor is IPollAttestor, IVersioned, AccessControlDefaultAdminRules, EIP712Base {
    bytes32 public constant ATTESTER_ROLE = keccak256("ATTESTER_ROLE");
    bytes32 public constant BALLOT_TYPEHASH = keccak256("Ballot(bytes32 pollId,uint8 option,uint64 issuedAt)");

    mapping(bytes32 pollId => bytes32) private _commitments;

    constructor(address admin, address attester)
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, nonZero(admin))
        EIP712Base("FanMesh Polls", "1")
    {
        if (attester == address(0)) revert FanMeshZeroAddress();
        _grantRole(ATTESTER_ROLE, attester);
    }

    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    /// @notice Attests a poll's result. Reverts with {PollAlreadyAttested} if the poll was attested before.
    /// @param ballotsRoot zero for a poll that closed without ballots
    function attest(bytes32 pollId, bytes32 tallyHash, bytes32 ballotsRoot) external onlyRole(ATTESTER_ROLE) {
        if (pollId == bytes32(0)) revert PollInvalidId();
        if (tallyHash == bytes32(0)) revert PollInvalidTally(pollId);
        if (_commitments[pollId] != bytes32(0)) revert PollAlreadyAttested(pollId);
        _commitments[pollId] = commitment(tallyHash, ballotsRoot);
        emit PollAttested(pollId, tallyHash, ballotsRoot);
    }

    /// @return whether exactly this tally hash and ballots root were attested for the poll
    function verify(bytes32 pollId, bytes32 tallyHash, bytes32 ballotsRoot) external view returns (bool) {
        bytes32 c = _commitments[pollId];
        return c != bytes32(0) && c == commitment(tallyHash, ballotsRoot);
    }

    function isAttested(bytes32 pollId) external view returns (bool) {
        return _commitments[pollId] != bytes32(0);
    }

    /// @notice The stored word for a poll: its commitment, or 0 if not attested.
    function commitmentOf(bytes32 pollId) external view returns (bytes32) {
        return _commitments[pollId];
    }

    /// @notice keccak256(abi.encode(tallyHash, ballotsRoot)), never zero (zero means "not attested").
    function commitment(bytes32 tallyHash, bytes32 ballotsRoot) public pure returns (bytes32 c) {
        c = keccak256(abi.encode(tallyHash, ballotsRoot));
        if (c == bytes32(0)) c = bytes32(uint256(1));
    }

    /// @notice The EIP-712 digest a fan signs for `ballot`.
    function ballotDigest(Ballot calldata ballot) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(BALLOT_TYPEHASH, ballot.pollId, ballot.option, ballot.issuedAt)));
    }

    /// @notice Who signed `ballot` (reverts on a malformed signature, as OpenZeppelin's ECDSA does).
    function ballotSigner(Ballot calldata ballot, bytes calldata signature) external view returns (address) {
        return ECDSA.recover(ballotDigest(ballot), signature);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IVersioned, FanMeshMomentExists, FanMeshMomentUnknown, FanMeshMomentRevoked} from "./Common.sol";

/// @title MomentAttestor: confirmed match moments, attested in batches.
/// @notice Storage holds one word per moment: a commitment (hash of the full record, low bit used as
/// the revoked flag) so a batch costs little; the full record is in the Attested event for indexers,
/// and `verify` checks any record against its commitment.
contract MomentAttestor is AccessControl, IVersioned {
    bytes32 public constant ATTESTER_ROLE = keccak256("ATTESTER_ROLE");

    struct Moment {
        bytes32 momentId;
        bytes32 eventId;
        uint8 kind;
        uint64 timestamp;
        uint32 attendance;
        bytes32 evidenceRoot;
    }

    mapping(bytes32 momentId => bytes32) private _commitments;

    event Attested(
        bytes32 indexed momentId,
        bytes32 indexed eventId,
        uint8 kind,
        uint64 timestamp,
        uint32 attendance,
        bytes32 evidenceRoot
    );
    event Revoked(bytes32 indexed momentId, string reason);

    constructor(address admin, address attester) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ATTESTER_ROLE, attester);
    }

    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    function attest(Moment calldata m) external onlyRole(ATTESTER_ROLE) {
        _attest(m);
    }

    function attestBatch(Moment[] calldata moments) external onlyRole(ATTESTER_ROLE) {
        for (uint256 i = 0; i < moments.length; ++i) _attest(moments[i]);
    }

    function revoke(bytes32 momentId, string calldata reason) external onlyRole(ATTESTER_ROLE) {
        bytes32 c = _commitments[momentId];
        if (c == bytes32(0)) revert FanMeshMomentUnknown(momentId);
        if (uint256(c) & 1 == 1) revert FanMeshMomentRevoked(momentId);
        _commitments[momentId] = c | bytes32(uint256(1));
        emit Revoked(momentId, reason);
    }

    /// @return attested whether this exact record was attested; revoked whether it was revoked since
    function verify(Moment calldata m) external view returns (bool attested, bool revoked) {
        bytes32 c = _commitments[m.momentId];
        attested = c != bytes32(0) && (c & ~bytes32(uint256(1))) == _commitment(m);
        revoked = attested && uint256(c) & 1 == 1;
    }

    function isAttested(bytes32 momentId) external view returns (bool) {
        return _commitments[momentId] != bytes32(0);
    }

    function _attest(Moment calldata m) private {
        if (_commitments[m.momentId] != bytes32(0)) revert FanMeshMomentExists(m.momentId);
        _commitments[m.momentId] = _commitment(m);
        emit Attested(m.momentId, m.eventId, m.kind, m.timestamp, m.attendance, m.evidenceRoot);
    }

    /// @dev The record's hash with the low bit cleared (it carries the revoked flag) and never zero.
    function _commitment(Moment calldata m) private pure returns (bytes32) {
        bytes32 h = keccak256(abi.encode(m.momentId, m.eventId, m.kind, m.timestamp, m.attendance, m.evidenceRoot));
        h = h & ~bytes32(uint256(1));
        return h == bytes32(0) ? bytes32(uint256(2)) : h;
    }
}

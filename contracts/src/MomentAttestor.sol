// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {
    IMomentAttestor,
    IVersioned,
    Moment,
    ADMIN_TRANSFER_DELAY,
    nonZero,
    FanMeshZeroAddress,
    MomentAlreadyAttested,
    MomentUnknown,
    MomentAlreadyRevoked,
    MomentInvalidId,
    MomentInvalidRecord
} from "./Common.sol";

/// @title MomentAttestor: confirmed match moments, attested one at a time or in batches.
/// @notice Storage holds one word per moment id: a commitment to the full record (its keccak256 with
/// the lowest bit reserved as the revoked flag). The full record goes out in the {Attested} event for
/// indexers, and {verify} checks any record against its commitment. So an attestation costs one fresh
/// storage slot plus a log, where EAS stores the whole record (several slots) per attestation.
/// Moment kinds ({Moment}'s `kind`): 0 kickoff, 1 goal, 2 halftime, 3 fulltime, 4 big_moment.
contract MomentAttestor is IMomentAttestor, IVersioned, AccessControlDefaultAdminRules {
    bytes32 public constant ATTESTER_ROLE = keccak256("ATTESTER_ROLE");

    uint256 private constant _REVOKED = 1;

    mapping(bytes32 momentId => bytes32) private _commitments;

    constructor(address admin, address attester) AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, nonZero(admin)) {
        if (attester == address(0)) revert FanMeshZeroAddress();
        _grantRole(ATTESTER_ROLE, attester);
    }

    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    /// @notice Attests one moment. Reverts with {MomentAlreadyAttested} if its id was attested before.
    function attest(Moment calldata moment) external onlyRole(ATTESTER_ROLE) {
        _attest(moment);
    }

    /// @notice Attests several moments in one transaction; any repeated id reverts the whole batch.
    function attestBatch(Moment[] calldata moments) external onlyRole(ATTESTER_ROLE) {
        uint256 n = moments.length;
        for (uint256 i; i < n;) {
            _attest(moments[i]);
            unchecked {
                // cannot overflow: i < n <= calldata length
                ++i;
            }
        }
    }

    /// @notice Revokes an attested moment, with the reason in the event. Attesters (the role) revoke.
    function revoke(bytes32 momentId, string calldata reason) external onlyRole(ATTESTER_ROLE) {
        uint256 c = uint256(_commitments[momentId]);
        if (c == 0) revert MomentUnknown(momentId);
        if (c & _REVOKED != 0) revert MomentAlreadyRevoked(momentId);
        _commitments[momentId] = bytes32(c | _REVOKED);
        emit Revoked(momentId, msg.sender, reason);
    }

    /// @return attested whether this exact record was attested
    /// @return revoked whether it was revoked since
    function verify(Moment calldata moment) external view returns (bool attested, bool revoked) {
        uint256 c = uint256(_commitments[moment.momentId]);
        attested = c != 0 && (c & ~_REVOKED) == uint256(commitment(moment));
        revoked = attested && c & _REVOKED != 0;
    }

    function isAttested(bytes32 momentId) external view returns (bool) {
        return _commitments[momentId] != bytes32(0);
    }

    function isRevoked(bytes32 momentId) external view returns (bool) {
        return uint256(_commitments[momentId]) & _REVOKED != 0;
    }

    /// @notice The stored word for a moment id: its commitment, lowest bit set once revoked; 0 if none.
    function commitmentOf(bytes32 momentId) external view returns (bytes32) {
        return _commitments[momentId];
    }

    /// @notice keccak256(abi.encode(moment)) with the lowest bit cleared (the revoked flag's place), and
    /// never zero (zero means "not attested"). Anyone holding the record can recompute it off chain.
    function commitment(Moment calldata moment) public pure returns (bytes32 c) {
        bool canonical;
        (c, canonical) = _commitment(moment);
        if (!canonical) revert MomentInvalidRecord(moment.momentId);
    }

    function _attest(Moment calldata moment) private {
        bytes32 momentId = moment.momentId;
        if (momentId == bytes32(0)) revert MomentInvalidId();
        (bytes32 c, bool canonical) = _commitment(moment);
        if (!canonical) revert MomentInvalidRecord(momentId);
        bool exists;
        bytes32 topic = Attested.selector;
        assembly ("memory-safe") {
            // _commitments[momentId]: its slot is hashed once for the read and the write
            mstore(0x00, momentId)
            mstore(0x20, _commitments.slot)
            let slot := keccak256(0x00, 0x40)
            exists := iszero(iszero(sload(slot)))
            if iszero(exists) {
                sstore(slot, c)
                // emit Attested(momentId, eventId, kind, timestamp, attendance, evidenceRoot): the data
                // words are the record's last four words, copied as they are
                let ptr := mload(0x40)
                calldatacopy(ptr, add(moment, 0x40), 0x80)
                log3(ptr, 0x80, topic, momentId, calldataload(add(moment, 0x20)))
            }
        }
        if (exists) revert MomentAlreadyAttested(momentId);
    }

    /// @dev The record's six words are hashed straight from calldata (abi.encode of a static struct is
    /// exactly its words), so a batch pays no re-encoding. `canonical` is false when the kind, timestamp
    /// or attendance word is out of its type's range, which the ABI decoder would have refused: every
    /// stored commitment is then the hash of a canonical encoding.
    function _commitment(Moment calldata moment) private pure returns (bytes32 c, bool canonical) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, moment, 0xc0)
            canonical := iszero(
                or(
                    gt(mload(add(ptr, 0x40)), 0xff),
                    or(gt(mload(add(ptr, 0x60)), 0xffffffffffffffff), gt(mload(add(ptr, 0x80)), 0xffffffff))
                )
            )
            c := and(keccak256(ptr, 0xc0), not(_REVOKED))
            if iszero(c) { c := 2 }
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712Base} from "./EIP712Base.sol";
import {
    IDeviceRegistry,
    IVersioned,
    Device,
    ADMIN_TRANSFER_DELAY,
    nonZero,
    FanMeshZeroAddress,
    DeviceAlreadyRegistered,
    DeviceUnknown,
    DeviceIsRevoked,
    DeviceInvalidSigner,
    DeviceUnauthorized,
    DeviceExpiredSignature,
    DeviceInvalidOwner
} from "./Common.sol";

/// @title DeviceRegistry: which owner runs which device key (hotspots, sensors, gate scanners).
/// @notice Registration needs both parties, as with Helium's add-gateway: the device key and the owner
/// each sign the same EIP-712 `Registration(device, owner, venueId, deadline)`, and the platform's
/// operator relays it (so neither needs gas). The owner transfers a device directly or by signing a
/// `Transfer(device, to, nonce, deadline)` that anyone may relay; the per-device nonce makes each
/// transfer signature single-use. The owner, the operator or the registry admin revokes a device; revocation is
/// final, and a revoked key can never be registered again (the on-chain denylist).
/// @dev Signatures are ECDSA (EOA keys: device keys are secp256k1, fans' keys are wallets).
contract DeviceRegistry is IDeviceRegistry, IVersioned, AccessControlDefaultAdminRules, EIP712Base {
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 private constant _REGISTRATION_TYPEHASH =
        keccak256("Registration(address device,address owner,bytes32 venueId,uint256 deadline)");
    bytes32 private constant _TRANSFER_TYPEHASH =
        keccak256("Transfer(address device,address to,uint256 nonce,uint256 deadline)");

    mapping(address device => Device) private _devices;

    constructor(address admin, address operator)
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, nonZero(admin))
        EIP712Base("FanMesh DeviceRegistry", "1")
    {
        if (operator == address(0)) revert FanMeshZeroAddress();
        _grantRole(OPERATOR_ROLE, operator);
    }

    function version() external pure returns (string memory) {
        return "1.1.0";
    }

    // ------------------------------------------------------------------ views

    function deviceOf(address device) external view returns (Device memory) {
        return _devices[device];
    }

    /// @notice The owner of an active device; zero if unknown or revoked.
    function ownerOf(address device) external view returns (address) {
        Device storage d = _devices[device];
        return d.revoked ? address(0) : d.owner;
    }

    // ------------------------------------------------------------------ actions

    /// @notice Registers `device` to `owner` with both parties' signatures over the same registration.
    function register(
        address device,
        address owner,
        bytes32 venueId,
        uint256 deadline,
        bytes calldata deviceSignature,
        bytes calldata ownerSignature
    ) external onlyRole(OPERATOR_ROLE) {
        if (device == address(0) || owner == address(0)) revert FanMeshZeroAddress();
        if (block.timestamp > deadline) revert DeviceExpiredSignature(deadline);
        Device storage d = _devices[device];
        if (d.owner != address(0)) {
            if (d.revoked) revert DeviceIsRevoked(device);
            revert DeviceAlreadyRegistered(device);
        }
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(_REGISTRATION_TYPEHASH, device, owner, venueId, deadline)));
        address signer = ECDSA.recover(digest, deviceSignature);
        if (signer != device) revert DeviceInvalidSigner(signer, device);
        signer = ECDSA.recover(digest, ownerSignature);
        if (signer != owner) revert DeviceInvalidSigner(signer, owner);
        d.owner = owner;
        d.venueId = venueId;
        emit DeviceRegistered(device, owner, venueId);
    }

    /// @notice The current owner hands the device to `to`.
    function transfer(address device, address to) external {
        Device storage d = _active(device);
        if (d.owner != msg.sender) revert DeviceUnauthorized(device, msg.sender);
        _transfer(d, device, to);
    }

    /// @notice Relays the current owner's signed transfer of the device to `to`.
    function transferBySig(address device, address to, uint256 deadline, bytes calldata ownerSignature) external {
        if (block.timestamp > deadline) revert DeviceExpiredSignature(deadline);
        Device storage d = _active(device);
        address owner = d.owner;
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(_TRANSFER_TYPEHASH, device, to, d.nonce, deadline)));
        address signer = ECDSA.recover(digest, ownerSignature);
        if (signer != owner) revert DeviceInvalidSigner(signer, owner);
        _transfer(d, device, to);
    }

    /// @notice Revokes a device for good: by its owner, by the platform's operator (the backend's
    /// revocations and denylist reach the chain through it) or by the registry admin.
    function revoke(address device) external {
        Device storage d = _active(device);
        if (d.owner != msg.sender && !hasRole(OPERATOR_ROLE, msg.sender) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert DeviceUnauthorized(device, msg.sender);
        }
        d.revoked = true;
        emit DeviceRevoked(device, msg.sender);
    }

    /// @notice The nonce the owner's next transfer signature must carry.
    function transferNonce(address device) external view returns (uint256) {
        return _devices[device].nonce;
    }

    // ------------------------------------------------------------------ internals

    function _active(address device) private view returns (Device storage d) {
        d = _devices[device];
        if (d.owner == address(0)) revert DeviceUnknown(device);
        if (d.revoked) revert DeviceIsRevoked(device);
    }

    function _transfer(Device storage d, address device, address to) private {
        address from = d.owner;
        if (to == address(0) || to == from) revert DeviceInvalidOwner(to);
        d.owner = to;
        unchecked {
            // cannot overflow: one increment per transaction; 2^64 transactions will never happen
            d.nonce += 1;
        }
        emit DeviceTransferred(device, from, to);
    }
}

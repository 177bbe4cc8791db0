// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {
    IVersioned,
    FanMeshZeroAddress,
    FanMeshDeviceExists,
    FanMeshDeviceUnknown,
    FanMeshNotDeviceOwner,
    FanMeshInvalidSigner
} from "./Common.sol";

/// @title DeviceRegistry: which owner runs which device key (hotspots, sensors, gate scanners).
/// @notice Registration needs both signatures, as with Helium's add-gateway: the device signs its
/// owner's address and the owner signs the device; the platform relays the transaction.
contract DeviceRegistry is AccessControl, EIP712, IVersioned {
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    bytes32 private constant _DEVICE_CLAIM_TYPEHASH = keccak256("DeviceClaim(address device,address owner,bytes32 venueId)");
    bytes32 private constant _OWNER_CLAIM_TYPEHASH = keccak256("OwnerClaim(address device,address owner,bytes32 venueId)");

    struct Device {
        address owner;
        bool revoked;
        bytes32 venueId;
    }

    mapping(address device => Device) private _devices;

    event DeviceRegistered(address indexed device, address indexed owner, bytes32 indexed venueId);
    event DeviceTransferred(address indexed device, address indexed from, address indexed to);
    event DeviceRevoked(address indexed device);

    constructor(address admin, address registrar) EIP712("FanMesh DeviceRegistry", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, registrar);
    }

    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    function deviceOf(address device) external view returns (Device memory) {
        return _devices[device];
    }

    function register(
        address device,
        address owner,
        bytes32 venueId,
        bytes calldata deviceSignature,
        bytes calldata ownerSignature
    ) external onlyRole(REGISTRAR_ROLE) {
        if (device == address(0) || owner == address(0)) revert FanMeshZeroAddress();
        if (_devices[device].owner != address(0)) revert FanMeshDeviceExists(device);
        address d = ECDSA.recover(_hashTypedDataV4(keccak256(abi.encode(_DEVICE_CLAIM_TYPEHASH, device, owner, venueId))), deviceSignature);
        if (d != device) revert FanMeshInvalidSigner(device, d);
        address o = ECDSA.recover(_hashTypedDataV4(keccak256(abi.encode(_OWNER_CLAIM_TYPEHASH, device, owner, venueId))), ownerSignature);
        if (o != owner) revert FanMeshInvalidSigner(owner, o);
        _devices[device] = Device({owner: owner, revoked: false, venueId: venueId});
        emit DeviceRegistered(device, owner, venueId);
    }

    function transfer(address device, address to) external {
        Device storage d = _devices[device];
        if (d.owner == address(0)) revert FanMeshDeviceUnknown(device);
        if (d.owner != msg.sender) revert FanMeshNotDeviceOwner(device, msg.sender);
        if (to == address(0)) revert FanMeshZeroAddress();
        d.owner = to;
        emit DeviceTransferred(device, msg.sender, to);
    }

    function revoke(address device) external {
        Device storage d = _devices[device];
        if (d.owner == address(0)) revert FanMeshDeviceUnknown(device);
        if (d.owner != msg.sender && !hasRole(REGISTRAR_ROLE, msg.sender)) revert FanMeshNotDeviceOwner(device, msg.sender);
        d.revoked = true;
        emit DeviceRevoked(device);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @dev Shared custom errors (EIP-6093 style) and interfaces of the FanMesh contracts.
interface IFanToken {
    function mint(address to, uint256 amount) external;
    function cap() external view returns (uint256);
}

interface IVersioned {
    function version() external pure returns (string memory);
}

error FanMeshZeroAddress();
error FanMeshInvalidProof(address account);
error FanMeshNothingToClaim(address account, uint256 cumulativeAmount, uint256 alreadyClaimed);
error FanMeshEpochExceedsFunding(uint64 epochId, uint256 total, uint256 funded);
error FanMeshEpochNotIncreasing(uint64 epochId, uint64 lastEpochId);
error FanMeshExpiredSignature(uint256 deadline);
error FanMeshInvalidSigner(address expected, address actual);
error FanMeshMomentExists(bytes32 momentId);
error FanMeshMomentUnknown(bytes32 momentId);
error FanMeshMomentRevoked(bytes32 momentId);
error FanMeshDeviceExists(address device);
error FanMeshDeviceUnknown(address device);
error FanMeshNotDeviceOwner(address device, address caller);

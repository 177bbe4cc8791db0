// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {
    IFanToken,
    IVersioned,
    FanMeshInvalidProof,
    FanMeshNothingToClaim,
    FanMeshEpochExceedsFunding,
    FanMeshEpochNotIncreasing,
    FanMeshExpiredSignature,
    FanMeshInvalidSigner
} from "./Common.sol";

/// @title RewardDistributor: cumulative Merkle rewards.
/// @notice Each epoch's root commits to every account's *cumulative* reward since the start, as
/// OpenZeppelin StandardMerkleTree leaves of (address, uint256). A claim pays the difference to what
/// the account already claimed, so one claim collects any number of epochs. Tokens are minted on
/// claim; the operator funds each epoch with an allowance, and the cumulative total of the latest
/// root can never exceed what was funded, so a bad root cannot print money.
contract RewardDistributor is AccessControl, EIP712, IVersioned {
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 private constant _CLAIM_TYPEHASH =
        keccak256("Claim(address account,uint256 cumulativeAmount,address recipient,uint256 deadline)");

    IFanToken private immutable _token;

    bytes32 private _root;
    uint64 private _epochId;
    uint192 private _funded;
    mapping(address account => uint256) private _claimed;

    event EpochPublished(uint64 indexed epochId, bytes32 root, uint256 total);
    event Funded(uint256 amount, uint256 funded);
    event Claimed(address indexed account, address indexed recipient, uint256 amount, uint256 cumulativeAmount);

    constructor(IFanToken token_, address admin, address operator) EIP712("FanMesh RewardDistributor", "1") {
        _token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(OPERATOR_ROLE, operator);
    }

    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    function token() external view returns (address) {
        return address(_token);
    }

    function merkleRoot() external view returns (bytes32) {
        return _root;
    }

    function epochId() external view returns (uint64) {
        return _epochId;
    }

    function funded() external view returns (uint256) {
        return _funded;
    }

    function claimed(address account) external view returns (uint256) {
        return _claimed[account];
    }

    /// @notice Raises the total this distributor may ever pay out (the sum of all epochs' pools).
    function fund(uint192 amount) external onlyRole(OPERATOR_ROLE) {
        _funded += amount;
        emit Funded(amount, _funded);
    }

    /// @notice Publishes an epoch's root. `total` is the sum of all cumulative amounts in the tree.
    function publishRoot(uint64 newEpochId, bytes32 root, uint256 total) external onlyRole(OPERATOR_ROLE) {
        if (newEpochId <= _epochId) revert FanMeshEpochNotIncreasing(newEpochId, _epochId);
        if (total > _funded) revert FanMeshEpochExceedsFunding(newEpochId, total, _funded);
        _root = root;
        _epochId = newEpochId;
        emit EpochPublished(newEpochId, root, total);
    }

    /// @notice Claims for `account` (anyone may send it: tokens only ever go to the account).
    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external {
        _claim(account, account, cumulativeAmount, proof);
    }

    /// @notice Gasless claim: a relayer submits the fan's EIP-712 signature; tokens go to `recipient`.
    function claimFor(
        address account,
        uint256 cumulativeAmount,
        address recipient,
        uint256 deadline,
        bytes calldata signature,
        bytes32[] calldata proof
    ) external {
        if (block.timestamp > deadline) revert FanMeshExpiredSignature(deadline);
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(_CLAIM_TYPEHASH, account, cumulativeAmount, recipient, deadline)));
        address signer = ECDSA.recover(digest, signature);
        if (signer != account) revert FanMeshInvalidSigner(account, signer);
        // A replayed signature finds the cumulative amount already claimed and pays nothing.
        _claim(account, recipient, cumulativeAmount, proof);
    }

    function _claim(address account, address recipient, uint256 cumulativeAmount, bytes32[] calldata proof) private {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))));
        if (!MerkleProof.verifyCalldata(proof, _root, leaf)) revert FanMeshInvalidProof(account);
        uint256 already = _claimed[account];
        if (cumulativeAmount <= already) revert FanMeshNothingToClaim(account, cumulativeAmount, already);
        _claimed[account] = cumulativeAmount;
        uint256 amount;
        unchecked {
            // cannot underflow: cumulativeAmount > already was checked above
            amount = cumulativeAmount - already;
        }
        _token.mint(recipient, amount);
        emit Claimed(account, recipient, amount, cumulativeAmount);
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title Unidirectional payment channels in ether, many per contract.
/// @notice The sender locks a deposit for a receiver and pays it off-chain with EIP-712 signed
/// claims of a growing cumulative amount. The receiver redeems the best claim whenever it likes
/// (`claim`) and closes with it (`close`): it is paid the claim, the sender gets the remainder.
/// The sender's way out when the receiver goes quiet: `startReclaim`, then `reclaim` once the
/// dispute timeout has passed. Until the sender withdraws, the receiver may still close with its
/// best claim: the timeout is the receiver's window to do so.
/// Every refusal reverts with a custom error naming the cause.
contract PaymentChannel {
    struct Channel {
        address sender;
        uint64 timeout; // seconds the receiver has to close after the sender starts a reclaim
        bool closed;
        address receiver;
        uint64 reclaimAt; // 0 until the sender starts a reclaim
        uint256 deposit; // everything ever locked
        uint256 claimed; // everything paid to the receiver so far
    }

    // EIP-712: the typed data the sender signs off-chain.
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant CLAIM_TYPEHASH = keccak256("Claim(bytes32 channelId,uint256 amount)");
    bytes32 private constant NAME_HASH = keccak256("PaymentChannel");
    bytes32 private constant VERSION_HASH = keccak256("1");
    // secp256k1n / 2: signatures with a larger s are the malleable twin of a valid one (EIP-2).
    uint256 private constant HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    mapping(bytes32 => Channel) public channels;
    uint256 public channelCount;

    event ChannelOpened(bytes32 indexed channelId, address indexed sender, address indexed receiver, uint256 deposit, uint64 timeout);
    event ChannelToppedUp(bytes32 indexed channelId, uint256 amount, uint256 deposit);
    event ChannelClaimed(bytes32 indexed channelId, uint256 amount, uint256 paid);
    event ReclaimStarted(bytes32 indexed channelId, uint64 reclaimAt);
    event ChannelClosed(bytes32 indexed channelId, uint256 claimed, uint256 refunded);

    error ZeroDeposit();
    error InvalidReceiver(address receiver);
    error UnknownChannel(bytes32 channelId);
    error ChannelIsClosed(bytes32 channelId);
    error NotSender(bytes32 channelId, address caller);
    error NotReceiver(bytes32 channelId, address caller);
    error InvalidSignature(bytes32 channelId, uint256 amount);
    error ClaimNotIncreasing(bytes32 channelId, uint256 amount, uint256 claimed);
    error ClaimExceedsDeposit(bytes32 channelId, uint256 amount, uint256 deposit);
    error ReclaimNotStarted(bytes32 channelId);
    error ReclaimAlreadyStarted(bytes32 channelId, uint64 reclaimAt);
    error ReclaimTooEarly(bytes32 channelId, uint64 reclaimAt, uint256 now);
    error PaymentFailed(address to, uint256 amount);

    /// Opens a channel from the caller to `receiver` with the value sent as its deposit.
    function open(address receiver, uint64 timeout) external payable returns (bytes32 channelId) {
        if (msg.value == 0) revert ZeroDeposit();
        if (receiver == address(0) || receiver == msg.sender) revert InvalidReceiver(receiver);
        channelId = keccak256(abi.encode(address(this), msg.sender, receiver, channelCount));
        channelCount += 1;
        channels[channelId] = Channel({
            sender: msg.sender,
            timeout: timeout,
            closed: false,
            receiver: receiver,
            reclaimAt: 0,
            deposit: msg.value,
            claimed: 0
        });
        emit ChannelOpened(channelId, msg.sender, receiver, msg.value, timeout);
    }

    /// Adds the value sent to the deposit. Only the sender, only while the channel is open.
    function topUp(bytes32 channelId) external payable {
        Channel storage channel = _open(channelId);
        if (msg.sender != channel.sender) revert NotSender(channelId, msg.sender);
        if (msg.value == 0) revert ZeroDeposit();
        channel.deposit += msg.value;
        emit ChannelToppedUp(channelId, msg.value, channel.deposit);
    }

    /// The receiver redeems a claim without closing: it is paid the growth over what it was paid before.
    function claim(bytes32 channelId, uint256 amount, bytes calldata signature) external {
        Channel storage channel = _open(channelId);
        if (msg.sender != channel.receiver) revert NotReceiver(channelId, msg.sender);
        if (amount <= channel.claimed) revert ClaimNotIncreasing(channelId, amount, channel.claimed);
        _checkClaim(channelId, channel, amount, signature);
        uint256 paid = amount - channel.claimed;
        channel.claimed = amount;
        emit ChannelClaimed(channelId, amount, paid);
        _pay(channel.receiver, paid);
    }

    /// The receiver closes with its best claim: paid the claim's growth, the remainder to the
    /// sender. A claim of exactly what was redeemed already closes without a signature.
    /// A sender that refuses ether makes this revert; `claim` pays the receiver regardless.
    function close(bytes32 channelId, uint256 amount, bytes calldata signature) external {
        Channel storage channel = _open(channelId);
        if (msg.sender != channel.receiver) revert NotReceiver(channelId, msg.sender);
        uint256 claimed = channel.claimed;
        if (amount < claimed) revert ClaimNotIncreasing(channelId, amount, claimed);
        if (amount > claimed) _checkClaim(channelId, channel, amount, signature);
        uint256 refund = channel.deposit - amount;
        channel.claimed = amount;
        channel.closed = true;
        emit ChannelClosed(channelId, amount, refund);
        _pay(channel.receiver, amount - claimed);
        _pay(channel.sender, refund);
    }

    /// The sender starts the dispute timeout, after which it may `reclaim` the remainder.
    function startReclaim(bytes32 channelId) external {
        Channel storage channel = _open(channelId);
        if (msg.sender != channel.sender) revert NotSender(channelId, msg.sender);
        if (channel.reclaimAt != 0) revert ReclaimAlreadyStarted(channelId, channel.reclaimAt);
        uint64 reclaimAt = uint64(block.timestamp) + channel.timeout;
        channel.reclaimAt = reclaimAt;
        emit ReclaimStarted(channelId, reclaimAt);
    }

    /// The sender withdraws what was not claimed, once the dispute timeout has passed.
    function reclaim(bytes32 channelId) external {
        Channel storage channel = _open(channelId);
        if (msg.sender != channel.sender) revert NotSender(channelId, msg.sender);
        if (channel.reclaimAt == 0) revert ReclaimNotStarted(channelId);
        if (block.timestamp < channel.reclaimAt) revert ReclaimTooEarly(channelId, channel.reclaimAt, block.timestamp);
        uint256 refund = channel.deposit - channel.claimed;
        channel.closed = true;
        emit ChannelClosed(channelId, channel.claimed, refund);
        _pay(channel.sender, refund);
    }

    /// The EIP-712 digest the sender signs for a claim of cumulative `amount` on `channelId`.
    function claimDigest(bytes32 channelId, uint256 amount) public view returns (bytes32) {
        bytes32 domainSeparator =
            keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
        bytes32 structHash = keccak256(abi.encode(CLAIM_TYPEHASH, channelId, amount));
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function _open(bytes32 channelId) private view returns (Channel storage channel) {
        channel = channels[channelId];
        if (channel.sender == address(0)) revert UnknownChannel(channelId);
        if (channel.closed) revert ChannelIsClosed(channelId);
    }

    function _checkClaim(bytes32 channelId, Channel storage channel, uint256 amount, bytes calldata signature) private view {
        if (amount > channel.deposit) revert ClaimExceedsDeposit(channelId, amount, channel.deposit);
        if (_signer(claimDigest(channelId, amount), signature) != channel.sender) revert InvalidSignature(channelId, amount);
    }

    /// The address that signed `digest`, or address(0) for a malformed or malleable signature.
    function _signer(bytes32 digest, bytes calldata signature) private pure returns (address) {
        if (signature.length != 65) return address(0);
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (v < 27) v += 27;
        if ((v != 27 && v != 28) || uint256(s) > HALF_CURVE_ORDER) return address(0);
        return ecrecover(digest, v, r, s);
    }

    function _pay(address to, uint256 amount) private {
        if (amount == 0) return;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert PaymentFailed(to, amount);
    }
}

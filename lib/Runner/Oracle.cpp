//===- Oracle.cpp - Plain C++ attention oracle ----------------------------===//
//
// Deliberately naive: explicit loops, double accumulation, no shared code
// with the MLIR lowerings, so that it can check them.
//
//===----------------------------------------------------------------------===//

#include "mha/Runner/Oracle.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir::mha::runner;

static std::vector<double> toDoubles(const HostTensor &tensor) {
  std::vector<double> values(tensor.numElements());
  for (int64_t i = 0, e = values.size(); i < e; ++i)
    values[i] = tensor.get(i);
  return values;
}

HostTensor mlir::mha::runner::oracleAttention(
    const HostTensor &q, const HostTensor &k, const HostTensor &v,
    const HostTensor *mask, const AttentionAttrs &attrs, HostTensor *lse) {
  assert(q.shape.size() == 4 && k.shape.size() == 4 && v.shape.size() == 4 &&
         "attention operands must be rank 4");
  int64_t batch = q.shape[0], heads = q.shape[1], sq = q.shape[2],
          d = q.shape[3];
  int64_t kvHeads = k.shape[1], skv = k.shape[2], dv = v.shape[3];
  assert(k.shape[0] == batch && v.shape[0] == batch && "batch mismatch");
  assert(k.shape[3] == d && "key head dim must match the query's");
  assert(v.shape[1] == kvHeads && v.shape[2] == skv && "value shape mismatch");
  assert(kvHeads > 0 && heads % kvHeads == 0 && "H must be a multiple of Hkv");
  int64_t groupSize = heads / kvHeads;
  assert((attrs.alibiSlopes.empty() ||
          int64_t(attrs.alibiSlopes.size()) == heads) &&
         "one ALiBi slope per query head");
  assert((attrs.sinks.empty() || int64_t(attrs.sinks.size()) == heads) &&
         "one sink per query head");
  if (lse)
    *lse = HostTensor(DType::F32, {batch, heads, sq});

  const double scale = attrs.scale ? *attrs.scale : 1.0 / std::sqrt(double(d));
  std::vector<double> qv = toDoubles(q), kv = toDoubles(k), vv = toDoubles(v);
  std::vector<double> maskValues;
  int64_t maskDims[4] = {1, 1, 1, 1};
  if (mask) {
    assert(mask->shape.size() == 4 && "mask must be rank 4");
    maskValues = toDoubles(*mask);
    [[maybe_unused]] const int64_t full[4] = {batch, heads, sq, skv};
    for (int i = 0; i < 4; ++i) {
      maskDims[i] = mask->shape[i];
      assert((maskDims[i] == 1 || maskDims[i] == full[i]) &&
             "mask is not broadcastable to [B, H, Sq, Skv]");
    }
  }
  const bool boolMask = mask && mask->dtype == DType::I1;
  const double negInf = -std::numeric_limits<double>::infinity();

  HostTensor result(q.dtype, {batch, heads, sq, dv});
  std::vector<double> scores(skv), acc(dv);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      int64_t g = h / groupSize;
      const double *kHead = kv.data() + (b * kvHeads + g) * skv * d;
      const double *vHead = vv.data() + (b * kvHeads + g) * skv * dv;
      for (int64_t i = 0; i < sq; ++i) {
        const double *qRow = qv.data() + ((b * heads + h) * sq + i) * d;
        double rowMax = negInf;
        const int64_t ip = i + (skv - sq); // bottom-right aligned position
        for (int64_t j = 0; j < skv; ++j) {
          double score = negInf;
          bool visible = !attrs.causal || j <= ip;
          if (attrs.windowLeft >= 0 && j < ip - attrs.windowLeft)
            visible = false;
          if (attrs.windowRight >= 0 && j > ip + attrs.windowRight)
            visible = false;
          double bias = 0;
          if (mask) {
            int64_t index = ((((maskDims[0] == 1 ? 0 : b) * maskDims[1] +
                               (maskDims[1] == 1 ? 0 : h)) *
                                  maskDims[2] +
                              (maskDims[2] == 1 ? 0 : i)) *
                                 maskDims[3] +
                             (maskDims[3] == 1 ? 0 : j));
            if (boolMask)
              visible = visible && maskValues[index] != 0;
            else
              bias = maskValues[index];
          }
          if (attrs.maskMod && !attrs.maskMod(b, h, i, j))
            visible = false;
          if (visible) {
            double dot = 0;
            for (int64_t x = 0; x < d; ++x)
              dot += qRow[x] * kHead[j * d + x];
            score = scale * dot;
            if (attrs.softcap)
              score = *attrs.softcap * std::tanh(score / *attrs.softcap);
            if (!attrs.alibiSlopes.empty())
              score += attrs.alibiSlopes[h] * double(j - ip);
            if (attrs.scoreMod)
              score = attrs.scoreMod(score, b, h, i, j);
            score += bias;
          }
          scores[j] = score;
          // A NaN score makes the row NaN (as the pipelines and PyTorch).
          if (score > rowMax || std::isnan(score))
            rowMax = std::isnan(rowMax) ? rowMax : score;
        }

        double *out = acc.data();
        std::fill(acc.begin(), acc.end(), 0.0);
        double rowLse = negInf;
        // No visible key (or all -inf): the row is 0, never NaN.
        if (rowMax != negInf) {
          double sum = 0;
          // Masked keys weigh 0, and 0 * NaN is NaN: a NaN in v reaches
          // every row, as in the pipelines and PyTorch.
          for (int64_t j = 0; j < skv; ++j) {
            double p = std::exp(scores[j] - rowMax);
            sum += p;
            for (int64_t x = 0; x < dv; ++x)
              out[x] += p * vHead[j * dv + x];
          }
          rowLse = rowMax + std::log(sum);
          // The sink joins the denominator only.
          double den = attrs.sinks.empty()
                           ? sum
                           : sum + std::exp(attrs.sinks[h] - rowMax);
          for (int64_t x = 0; x < dv; ++x)
            out[x] /= den;
        }
        if (lse)
          lse->set((b * heads + h) * sq + i, float(rowLse));
        int64_t base = ((b * heads + h) * sq + i) * dv;
        for (int64_t x = 0; x < dv; ++x)
          result.set(base + x, float(out[x]));
      }
    }
  }
  return result;
}

/// y[m, n] = sum_e x[m, e] * w[e, n] (+ bias[n]) in double, rounded once to
/// `dtype`: x is [M, E] flattened, w is [E, N].
static HostTensor project(const HostTensor &x, int64_t rows,
                          const HostTensor &w, const HostTensor *bias,
                          DType dtype, std::vector<int64_t> shape) {
  int64_t e = w.shape[0], n = w.shape[1];
  assert(x.numElements() == rows * e && "projection input size mismatch");
  assert((!bias || bias->numElements() == n) && "bias size mismatch");
  std::vector<double> xv = toDoubles(x), wv = toDoubles(w);
  std::vector<double> bv = bias ? toDoubles(*bias) : std::vector<double>(n);
  HostTensor y(dtype, std::move(shape));
  assert(y.numElements() == rows * n && "projection output size mismatch");
  for (int64_t m = 0; m < rows; ++m) {
    for (int64_t c = 0; c < n; ++c) {
      double sum = 0;
      for (int64_t r = 0; r < e; ++r)
        sum += xv[m * e + r] * wv[r * n + c];
      y.set(m * n + c, float(sum + bv[c]));
    }
  }
  return y;
}

/// [B, S, heads * dim] -> [B, heads, S, dim]; head h is columns h*dim...
static HostTensor splitHeads(const HostTensor &x, int64_t heads) {
  int64_t batch = x.shape[0], seq = x.shape[1], dim = x.shape[2] / heads;
  HostTensor out(x.dtype, {batch, heads, seq, dim});
  size_t elt = dtypeSize(x.dtype);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t s = 0; s < seq; ++s)
        std::memcpy(&out.bytes[(((b * heads + h) * seq + s) * dim) * elt],
                    &x.bytes[((b * seq + s) * heads * dim + h * dim) * elt],
                    dim * elt);
  return out;
}

/// [B, heads, S, dim] -> [B, S, heads * dim].
static HostTensor mergeHeads(const HostTensor &x) {
  int64_t batch = x.shape[0], heads = x.shape[1], seq = x.shape[2],
          dim = x.shape[3];
  HostTensor out(x.dtype, {batch, seq, heads * dim});
  size_t elt = dtypeSize(x.dtype);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t s = 0; s < seq; ++s)
        std::memcpy(&out.bytes[((b * seq + s) * heads * dim + h * dim) * elt],
                    &x.bytes[(((b * heads + h) * seq + s) * dim) * elt],
                    dim * elt);
  return out;
}

HostTensor mlir::mha::runner::oracleMultiHeadAttention(
    const HostTensor &xq, const HostTensor &xkv, const HostTensor &wq,
    const HostTensor &wk, const HostTensor &wv, const HostTensor &wo,
    const std::vector<const HostTensor *> &biases, const HostTensor *mask,
    int64_t numHeads, int64_t numKvHeads, const AttentionAttrs &attrs) {
  assert(xq.shape.size() == 3 && xkv.shape.size() == 3 &&
         "layer inputs must be rank 3");
  assert((biases.empty() || biases.size() == 4) && "zero or four biases");
  assert(numHeads > 0 && numKvHeads > 0 && "head counts must be positive");
  int64_t batch = xq.shape[0], sq = xq.shape[1], skv = xkv.shape[1];
  int64_t qWidth = wq.shape[1], kWidth = wk.shape[1], vWidth = wv.shape[1];
  assert(xkv.shape[0] == batch && xkv.shape[2] == xq.shape[2] && "xkv shape");
  assert(qWidth % numHeads == 0 && kWidth % numKvHeads == 0 &&
         vWidth % numKvHeads == 0 && "projection widths split into heads");
  DType dtype = xq.dtype;
  auto bias = [&](size_t i) { return biases.empty() ? nullptr : biases[i]; };

  HostTensor qProj =
      project(xq, batch * sq, wq, bias(0), dtype, {batch, sq, qWidth});
  HostTensor kProj =
      project(xkv, batch * skv, wk, bias(1), dtype, {batch, skv, kWidth});
  HostTensor vProj =
      project(xkv, batch * skv, wv, bias(2), dtype, {batch, skv, vWidth});
  HostTensor heads = oracleAttention(
      splitHeads(qProj, numHeads), splitHeads(kProj, numKvHeads),
      splitHeads(vProj, numKvHeads), mask, attrs);
  HostTensor merged = mergeHeads(heads);
  assert(wo.shape[0] == merged.shape[2] && "wo rows must be H*Dv");
  return project(merged, batch * sq, wo, bias(3), dtype,
                 {batch, sq, wo.shape[1]});
}

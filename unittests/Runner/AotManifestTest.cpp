//===- AotManifestTest.cpp - AOT manifest, oracle specs, FLOP terms -------===//

#include "mha/Runner/AotManifest.h"
#include "mha/Runner/Oracle.h"

#include "gtest/gtest.h"

using namespace mlir::mha::runner;

namespace {

AotManifest layerManifest() {
  AotManifest m;
  m.compiler = "mha-compile test";
  m.source = "layer.mlir";
  m.pipeline = "cpu";
  m.pipelineOptions = "threads=2";
  m.triple = "x86_64-pc-linux-gnu";
  m.cpu = "x86-64-v3";
  AotEntry e;
  e.name = "layer";
  e.args = {{DType::F32, {2, -1, 64}}, {DType::F32, {64, 64}},
            {DType::F32, {64, 16}},    {DType::F32, {64, 16}},
            {DType::F32, {64, 64}},    {DType::I1, {2, 1, -1, -1}}};
  e.results = {{DType::F32, {2, -1, 64}}};
  OracleSpec spec;
  spec.kind = OracleSpec::Kind::MultiHeadAttention;
  spec.operands = {0, 0, 1, 2, 3, 4};
  spec.mask = 5;
  spec.causal = true;
  spec.scale = 0.25;
  spec.numHeads = 8;
  spec.numKvHeads = 2;
  e.oracle = spec;
  FlopDim b{2, {}}, sq = FlopDim::ofArg(0, 1);
  e.flops = std::vector<FlopTerm>{
      {FlopTerm::Kind::Attention,
       {b, FlopDim{8, {}}, sq, sq, FlopDim{8, {}}, FlopDim{8, {}}},
       true},
      {FlopTerm::Kind::Matmul, {b * sq, FlopDim{64, {}}, FlopDim{64, {}}}}};
  m.entries.push_back(e);
  AotEntry none;
  none.name = "nothing";
  m.entries.push_back(none);
  return m;
}

TEST(AotManifestTest, RoundTrip) {
  AotManifest m = layerManifest();
  llvm::Expected<AotManifest> parsed = parseManifest(serializeManifest(m));
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  EXPECT_EQ(parsed->pipeline, "cpu");
  EXPECT_EQ(parsed->pipelineOptions, "threads=2");
  EXPECT_EQ(parsed->cpu, "x86-64-v3");
  ASSERT_EQ(parsed->entries.size(), 2u);
  const AotEntry *e = parsed->lookup("layer");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->symbol(), "_mlir_ciface_layer");
  ASSERT_EQ(e->args.size(), 6u);
  EXPECT_EQ(e->args[5].dtype, DType::I1);
  EXPECT_EQ(e->args[5].shape, (std::vector<int64_t>{2, 1, -1, -1}));
  EXPECT_EQ(e->args[0].describe(), "tensor<2x?x64xf32>");
  ASSERT_TRUE(e->oracle);
  EXPECT_EQ(e->oracle->kind, OracleSpec::Kind::MultiHeadAttention);
  EXPECT_EQ(e->oracle->operands, (std::vector<unsigned>{0, 0, 1, 2, 3, 4}));
  EXPECT_TRUE(e->oracle->biases.empty());
  EXPECT_EQ(e->oracle->mask, 5u);
  EXPECT_TRUE(e->oracle->causal);
  EXPECT_EQ(e->oracle->scale, 0.25);
  EXPECT_EQ(e->oracle->numHeads, 8);
  EXPECT_EQ(e->oracle->numKvHeads, 2);
  ASSERT_TRUE(e->flops);
  ASSERT_EQ(e->flops->size(), 2u);
  // Sq = 10: attention 2*2*8*10*10*(8+8)/2, matmul 2*(2*10)*64*64.
  std::vector<std::vector<int64_t>> shapes = {{2, 10, 64}};
  EXPECT_EQ(evaluateFlops(*e->flops, shapes),
            2.0 * 2 * 8 * 10 * 10 * 16 / 2 + 2.0 * 20 * 64 * 64);
  const AotEntry *none = parsed->lookup("nothing");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->oracle);
  EXPECT_FALSE(none->flops);
}

TEST(AotManifestTest, RejectsBadManifests) {
  auto error = [](llvm::StringRef text) {
    llvm::Expected<AotManifest> m = parseManifest(text);
    EXPECT_FALSE(bool(m));
    return m ? std::string() : llvm::toString(m.takeError());
  };
  EXPECT_NE(error("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(
      error(R"({"format":"mha-aot-manifest","version":99})").find("version 99"),
      std::string::npos);
  std::string text = serializeManifest(layerManifest());
  std::string badDType = text;
  badDType.replace(badDType.find("\"i1\""), 4, "\"i8\"");
  EXPECT_NE(error(badDType).find("expected f32, f16, bf16 or i1"),
            std::string::npos);
  std::string badMask = text;
  badMask.replace(badMask.find("\"mask\":5"), 8, "\"mask\":9");
  EXPECT_NE(error(badMask).find("mask is argument 9, but the entry has 6"),
            std::string::npos);
}

TEST(AotManifestTest, CheckInputs) {
  AotEntry e = layerManifest().entries[0];
  std::vector<HostTensor> inputs = {
      HostTensor(DType::F32, {2, 5, 64}), HostTensor(DType::F32, {64, 64}),
      HostTensor(DType::F32, {64, 16}),   HostTensor(DType::F32, {64, 16}),
      HostTensor(DType::F32, {64, 64}),   HostTensor(DType::I1, {2, 1, 5, 5})};
  EXPECT_FALSE(bool(checkInputs(e, inputs)));
  inputs[2] = HostTensor(DType::F32, {64, 17});
  llvm::Error err = checkInputs(e, inputs);
  EXPECT_EQ(llvm::toString(std::move(err)),
            "argument 2 (tensor<64x16xf32>): shape mismatch, got f32[64x17]");
}

TEST(FlopModelTest, WindowCountsVisiblePairs) {
  // Sq = Skv = 4, window [1, 0]: rows see 1, 2, 2, 2 keys.
  EXPECT_EQ(windowedPairs(4, 4, 1, 0, false), 7.0);
  // Sq = 2, Skv = 5 (i' = i + 3), window [1, 1]: keys 2..4 and 3..4.
  EXPECT_EQ(windowedPairs(2, 5, 1, 1, false), 5.0);
  // Causal caps the right side; unbounded left sees every earlier key.
  EXPECT_EQ(windowedPairs(2, 5, -1, 3, true), 9.0);
  EXPECT_EQ(windowedAttentionFlops(1, 2, 4, 4, 8, 8, 1, 0, false),
            2.0 * 2 * 16 * 7);
  FlopTerm term{FlopTerm::Kind::Attention,
                {FlopDim{1, {}}, FlopDim{2, {}}, FlopDim{4, {}}, FlopDim{4, {}},
                 FlopDim{8, {}}, FlopDim{8, {}}},
                false};
  term.windowLeft = 1;
  term.windowRight = 0;
  std::optional<double> flops = evaluateFlops({term}, {});
  ASSERT_TRUE(flops.has_value());
  EXPECT_EQ(*flops, 2.0 * 2 * 16 * 7);
  // The window survives the manifest's JSON.
  FlopTerm back;
  llvm::json::Path::Root root;
  ASSERT_TRUE(fromJSON(toJSON(term), back, root));
  EXPECT_EQ(back.windowLeft, 1);
  EXPECT_EQ(back.windowRight, 0);
}

TEST(FlopModelTest, Formula) {
  EXPECT_EQ(attentionFlops(1, 16, 128, 128, 64, 64, false),
            4.0 * 16 * 128 * 128 * 64);
  EXPECT_EQ(attentionFlops(1, 16, 128, 128, 64, 64, true),
            2.0 * 16 * 128 * 128 * 64);
  EXPECT_EQ(matmulFlops(3, 5, 7), 210.0);
  FlopTerm term{FlopTerm::Kind::Matmul,
                {FlopDim::ofArg(0, 0) * FlopDim::ofArg(1, 1), FlopDim{4, {}},
                 FlopDim{2, {{0, 1}}}}};
  std::vector<std::vector<int64_t>> shapes = {{3, 5}, {1, 7}};
  EXPECT_EQ(evaluateFlops({term}, shapes), 2.0 * 21 * 4 * 10);
  // A missing argument or dim leaves the count unknown.
  EXPECT_EQ(evaluateFlops({term}, {{3, 5}}), std::nullopt);
}

TEST(OracleSpecTest, EvaluatesLikeTheOracle) {
  OracleSpec spec;
  spec.operands = {2, 0, 1}; // q is argument 2
  spec.causal = true;
  EXPECT_EQ(spec.validate(3), "");
  EXPECT_NE(spec.validate(2).find("q is argument 2"), std::string::npos);
  HostTensor q = randomTensor(DType::F32, {1, 2, 3, 4}, 1);
  HostTensor k = randomTensor(DType::F32, {1, 1, 5, 4}, 2);
  HostTensor v = randomTensor(DType::F32, {1, 1, 5, 4}, 3);
  HostTensor viaSpec = evaluateOracleSpec(spec, {k, v, q});
  AttentionAttrs attrs;
  attrs.causal = true;
  HostTensor direct = oracleAttention(q, k, v, nullptr, attrs);
  EXPECT_EQ(viaSpec.shape, direct.shape);
  EXPECT_EQ(viaSpec.bytes, direct.bytes);
}

TEST(OracleSpecTest, VariantsSurviveJSONAndEvaluate) {
  OracleSpec spec;
  spec.operands = {0, 1, 2};
  spec.alibi = 3;
  spec.sinks = 4;
  spec.windowLeft = 2;
  spec.windowRight = 0;
  spec.softcap = 5.0;
  spec.returnsLse = true;
  EXPECT_EQ(spec.validate(5), "");
  EXPECT_NE(spec.validate(4).find("sinks is argument 4"), std::string::npos);
  OracleSpec back;
  llvm::json::Path::Root root;
  ASSERT_TRUE(fromJSON(toJSON(spec), back, root));
  EXPECT_EQ(back.alibi, spec.alibi);
  EXPECT_EQ(back.sinks, spec.sinks);
  EXPECT_EQ(back.windowLeft, 2);
  EXPECT_EQ(back.windowRight, 0);
  EXPECT_EQ(back.softcap, spec.softcap);
  EXPECT_TRUE(back.returnsLse);

  std::vector<HostTensor> inputs = {randomTensor(DType::F32, {1, 2, 3, 4}, 1),
                                    randomTensor(DType::F32, {1, 1, 5, 4}, 2),
                                    randomTensor(DType::F32, {1, 1, 5, 4}, 3),
                                    randomTensor(DType::F32, {2}, 4),
                                    randomTensor(DType::F32, {2}, 5)};
  std::vector<HostTensor> results = evaluateOracleSpecResults(back, inputs);
  ASSERT_EQ(results.size(), 2u);
  AttentionAttrs attrs = spec.getAttrs(inputs);
  EXPECT_EQ(attrs.alibiSlopes.size(), 2u);
  HostTensor lse;
  HostTensor direct =
      oracleAttention(inputs[0], inputs[1], inputs[2], nullptr, attrs, &lse);
  EXPECT_EQ(results[0].bytes, direct.bytes);
  EXPECT_EQ(results[1].bytes, lse.bytes);
}

TEST(AotHeaderTest, Prototypes) {
  AotManifest m = layerManifest();
  AotEntry two;
  two.name = "pair";
  two.args = {{DType::BF16, {4}}};
  two.results = {{DType::F16, {}}, {DType::BF16, {4}}};
  m.entries.push_back(two);
  std::string header = generateCHeader(m, "layer-v2.h", "layer.so");
  auto has = [&](llvm::StringRef s) {
    return header.find(s.str()) != std::string::npos;
  };
  EXPECT_TRUE(has("#ifndef MHA_AOT_LAYER_V2_H"));
  EXPECT_TRUE(
      has("void _mlir_ciface_layer(\n    mha_memref_3d_f32 *result,\n"
          "    mha_memref_3d_f32 *arg0,\n    mha_memref_2d_f32 *arg1,"));
  EXPECT_TRUE(has("    mha_memref_4d_i1 *arg5);"));
  EXPECT_TRUE(has("void _mlir_ciface_nothing(void);"));
  EXPECT_TRUE(has("  mha_memref_0d_f16 result0;\n  mha_memref_1d_bf16 "
                  "result1;\n} mha_pair_results;"));
  EXPECT_TRUE(has("void _mlir_ciface_pair(mha_pair_results *results, "
                  "mha_memref_1d_bf16 *arg0);"));
  EXPECT_TRUE(has("  uint16_t *aligned;"));
  EXPECT_TRUE(has("argument 0: f32[2x?x64]"));
  EXPECT_TRUE(has("const char *mha_aot_manifest(void);"));
}

} // namespace

// SPDX-License-Identifier: MIT
/*
 * x86 instruction decoder for nested-paging faults (insn_decode.h): instruction length and
 * the memory operand's use, from the opcode maps of the Intel SDM vol. 2 appendix A and the
 * AMD APM vol. 3 appendix A. Where the two differ, AMD's behaviour is followed (Tern runs on
 * SVM): a 66 prefix on a near branch in 64-bit mode selects a 16-bit displacement, and the
 * AMD-only instructions (3DNow!, SSE4a EXTRQ/INSERTQ/MOVNTSS/MOVNTSD, LOCK MOV CR0 as CR8,
 * the SVM instructions) are known.
 *
 * An instruction is: legacy prefixes (any order, repeated), a REX prefix in 64-bit mode (only
 * when it is the last prefix; one followed by a legacy prefix is ignored), an opcode of one
 * byte, two (0F xx) or three (0F 38 xx, 0F 3A xx), a ModRM byte with its SIB byte and
 * displacement, and an immediate. The tables below give, per opcode, whether a ModRM byte
 * follows, the immediate's kind and what the memory operand is used for; the groups whose
 * meaning depends on ModRM.reg are refined in code.
 */
#include <tern/errno.h>
#include <tern/types.h>
#include "insn_decode.h"

/* ---- Opcode attributes ------------------------------------------------------------------ */

#define A_M 0x0001u /* a ModRM byte follows the opcode */
/* bits 1..3: the immediate (or displacement after ModRM) that ends the instruction */
#define A_IMM_SHIFT 1
#define A_IMM_MASK (7u << A_IMM_SHIFT)
#define IMM_NONE 0u
#define IMM_B 1u  /* Ib, Jb: one byte */
#define IMM_W 2u  /* Iw: two bytes */
#define IMM_Z 3u  /* Iz, Jz: two bytes with a 16-bit operand size, else four */
#define IMM_V 4u  /* Iv (MOV r, imm): the operand size, eight with REX.W */
#define IMM_WB 5u /* Iw, Ib: ENTER */
#define IMM_AP 6u /* Ap: far pointer, offset of the operand size then a 16-bit selector */
#define IMM_MO 7u /* Ob/Ov: an offset of the address size (moffs) */
#define A_R 0x0010u   /* the memory operand is read */
#define A_W 0x0020u   /* the memory operand is written */
#define A_PL 0x0040u  /* plain store: writing the operand is the instruction's only effect */
#define A_G 0x0080u   /* group: the use (and validity) depends on ModRM, decided in code */
#define A_I64 0x0100u /* invalid (#UD) in 64-bit mode */
#define A_UD 0x0200u  /* undefined opcode (or a prefix byte, consumed before the lookup) */
#define A_IMP 0x0400u /* also accesses memory implicitly (stack, rSI/rDI, XLAT table) */
#define A_STR 0x0800u /* string instruction */
#define A_MEM 0x1000u /* only the memory form exists: mod == 3 is #UD */
#define A_REG 0x2000u /* only the register form exists: mod != 3 is #UD */
#define A_LK 0x4000u  /* LOCK is allowed (with a memory operand) */

#define IB (IMM_B << A_IMM_SHIFT)
#define IW (IMM_W << A_IMM_SHIFT)
#define IZ (IMM_Z << A_IMM_SHIFT)
#define IV (IMM_V << A_IMM_SHIFT)
#define IWB (IMM_WB << A_IMM_SHIFT)
#define AP (IMM_AP << A_IMM_SHIFT)
#define MO (IMM_MO << A_IMM_SHIFT)

/* Shorthands for the tables */
#define M A_M
#define R A_R
#define W A_W
#define RW (A_R | A_W)
#define ST (A_W | A_PL) /* plain store */
#define LK A_LK
#define G A_G
#define I64 A_I64
#define UD A_UD
#define IMP A_IMP
#define STR A_STR
#define MEM A_MEM
#define REG A_REG
#define ALU_E (M | RW | LK) /* op Eb,Gb / Ev,Gv: read-modify-write, lockable */
#define ALU_G (M | R)       /* op Gb,Eb / Gv,Ev */
#define PFX UD              /* prefix byte: never looked up */

/*
 * The one-byte opcode map (SDM vol. 2 table A-2, APM vol. 3 table A-1). Prefix bytes (26 2E
 * 36 3E 64-67 F0 F2 F3, and 40-4F as REX in 64-bit mode) and 0F are handled before the
 * lookup; C4/C5 (VEX), 62 (EVEX) and 8F (XOP) are told apart from LES/LDS/BOUND/POP in code.
 */
static const uint16_t map1[256] = {
    /* 00-07: ADD Eb,Gb Ev,Gv Gb,Eb Gv,Ev AL,Ib rAX,Iz; PUSH ES; POP ES */
    ALU_E, ALU_E, ALU_G, ALU_G, IB, IZ, I64 | IMP, I64 | IMP,
    /* 08-0F: OR ...; PUSH CS; 0F escape */
    ALU_E, ALU_E, ALU_G, ALU_G, IB, IZ, I64 | IMP, UD,
    /* 10-17: ADC ...; PUSH SS; POP SS */
    ALU_E, ALU_E, ALU_G, ALU_G, IB, IZ, I64 | IMP, I64 | IMP,
    /* 18-1F: SBB ...; PUSH DS; POP DS */
    ALU_E, ALU_E, ALU_G, ALU_G, IB, IZ, I64 | IMP, I64 | IMP,
    /* 20-27: AND ...; ES: prefix; DAA */
    ALU_E, ALU_E, ALU_G, ALU_G, IB, IZ, PFX, I64,
    /* 28-2F: SUB ...; CS: prefix; DAS */
    ALU_E, ALU_E, ALU_G, ALU_G, IB, IZ, PFX, I64,
    /* 30-37: XOR ...; SS: prefix; AAA */
    ALU_E, ALU_E, ALU_G, ALU_G, IB, IZ, PFX, I64,
    /* 38-3F: CMP Eb,Gb Ev,Gv Gb,Eb Gv,Ev AL,Ib rAX,Iz (no write); DS: prefix; AAS */
    M | R, M | R, M | R, M | R, IB, IZ, PFX, I64,
    /* 40-4F: INC/DEC r (REX prefixes in 64-bit mode, consumed before the lookup) */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 50-5F: PUSH r, POP r */
    IMP, IMP, IMP, IMP, IMP, IMP, IMP, IMP, IMP, IMP, IMP, IMP, IMP, IMP, IMP, IMP,
    /* 60-67: PUSHA; POPA; BOUND Gv,Ma (EVEX in 64-bit mode); ARPL Ew,Gw (MOVSXD Gv,Ed in
     * 64-bit mode: see insn_decode); FS: GS: operand-size address-size prefixes */
    I64 | IMP, I64 | IMP, I64 | M | R | MEM, M | RW, PFX, PFX, PFX, PFX,
    /* 68-6F: PUSH Iz; IMUL Gv,Ev,Iz; PUSH Ib; IMUL Gv,Ev,Ib; INS Yb,DX Yz,DX; OUTS DX,Xb
     * DX,Xz */
    IZ | IMP, M | R | IZ, IB | IMP, M | R | IB, STR | W, STR | W, STR | R, STR | R,
    /* 70-7F: Jcc Jb */
    IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB, IB,
    /* 80-87: group 1 Eb,Ib Ev,Iz Eb,Ib (invalid in 64-bit mode) Ev,Ib; TEST Eb,Gb Ev,Gv;
     * XCHG Eb,Gb Ev,Gv (XCHG with memory is locked anyway, LOCK allowed) */
    M | G | IB, M | G | IZ, M | G | IB | I64, M | G | IB, M | R, M | R, ALU_E, ALU_E,
    /* 88-8F: MOV Eb,Gb Ev,Gv Gb,Eb Gv,Ev; MOV Ev,Sw; LEA Gv,M; MOV Sw,Ew; group 1a POP Ev */
    M | ST, M | ST, M | R, M | R, M | G, M | MEM, M | G, M | G,
    /* 90-97: NOP/PAUSE, XCHG r,rAX */
    0, 0, 0, 0, 0, 0, 0, 0,
    /* 98-9F: CBW; CWD; CALLF Ap; FWAIT; PUSHF; POPF; SAHF; LAHF */
    0, 0, AP | I64 | IMP, 0, IMP, IMP, 0, 0,
    /* A0-A7: MOV AL,Ob rAX,Ov Ob,AL Ov,rAX; MOVS Yb,Xb Yv,Xv; CMPS Xb,Yb Xv,Yv */
    MO | R, MO | R, MO | ST, MO | ST, STR | RW, STR | RW, STR | R, STR | R,
    /* A8-AF: TEST AL,Ib rAX,Iz; STOS Yb,AL Yv,rAX; LODS AL,Xb rAX,Xv; SCAS AL,Yb rAX,Yv */
    IB, IZ, STR | W, STR | W, STR | R, STR | R, STR | R, STR | R,
    /* B0-B7: MOV r8,Ib */
    IB, IB, IB, IB, IB, IB, IB, IB,
    /* B8-BF: MOV r,Iv */
    IV, IV, IV, IV, IV, IV, IV, IV,
    /* C0-C7: group 2 Eb,Ib Ev,Ib; RET Iw; RET; LES Gz,Mp (VEX3); LDS Gz,Mp (VEX2); group 11
     * MOV Eb,Ib Ev,Iz (and XABORT Ib, XBEGIN Jz) */
    M | G | IB, M | G | IB, IW | IMP, IMP, M | R | MEM | I64, M | R | MEM | I64, M | G | IB,
    M | G | IZ,
    /* C8-CF: ENTER Iw,Ib; LEAVE; RETF Iw; RETF; INT3; INT Ib; INTO; IRET */
    IWB | IMP, IMP, IW | IMP, IMP, IMP, IB | IMP, I64 | IMP, IMP,
    /* D0-D7: group 2 Eb,1 Ev,1 Eb,CL Ev,CL; AAM Ib; AAD Ib; (SALC: undefined); XLAT */
    M | G, M | G, M | G, M | G, IB | I64, IB | I64, UD, IMP | R,
    /* D8-DF: x87 escapes (decode_x87) */
    M | G, M | G, M | G, M | G, M | G, M | G, M | G, M | G,
    /* E0-E7: LOOPNE LOOPE LOOP JrCXZ Jb; IN AL,Ib eAX,Ib; OUT Ib,AL Ib,eAX */
    IB, IB, IB, IB, IB, IB, IB, IB,
    /* E8-EF: CALL Jz; JMP Jz; JMPF Ap; JMP Jb; IN AL,DX eAX,DX; OUT DX,AL DX,eAX */
    IZ | IMP, IZ, AP | I64, IB, 0, 0, 0, 0,
    /* F0-F7: LOCK; INT1; REPNE; REP; HLT; CMC; group 3 Eb Ev (TEST /0 /1 take Ib/Iz) */
    PFX, IMP, PFX, PFX, 0, 0, M | G, M | G,
    /* F8-FF: CLC STC CLI STI CLD STD; group 4 (INC/DEC Eb); group 5 (INC DEC CALL CALLF JMP
     * JMPF PUSH Ev) */
    0, 0, 0, 0, 0, 0, M | G, M | G,
};

/*
 * The two-byte opcode map, 0F xx (SDM vol. 2 tables; APM vol. 3 tables,
 * 0F 38 and 0F 3A are the three-byte escapes.
 */
static const uint16_t map2[256] = {
    /* 00-07: group 6; group 7; LAR Gv,Ew; LSL Gv,Ew; -; SYSCALL; CLTS; SYSRET */
    M | G, M | G, M | R, M | R, UD, 0, 0, 0,
    /* 08-0F: INVD; WBINVD; -; UD2; -; PREFETCH/PREFETCHW Mb (AMD group P); FEMMS; 3DNow!
     * Pq,Qq,Ib (the imm8 is the opcode suffix) */
    0, 0, UD, 0, UD, M | MEM, 0, M | R | IB,
    /* 10-17: MOVUPS/MOVUPD/MOVSS/MOVSD V,W; the same W,V; MOVLPS/MOVHLPS/MOVLPD/MOVDDUP/
     * MOVSLDUP; MOVLPS/MOVLPD Mq,V; UNPCKLPS/PD; UNPCKHPS/PD; MOVHPS/MOVLHPS/MOVHPD/
     * MOVSHDUP; MOVHPS/MOVHPD Mq,V */
    M | R, M | ST, M | R, M | ST | MEM, M | R, M | R, M | R, M | ST | MEM,
    /* 18-1F: group 16 (PREFETCHh, reserved-NOP); hint NOPs, MPX, CLDEMOTE, ENDBR, NOP Ev
     * (none of them accesses its operand) */
    M, M, M, M, M, M, M, M,
    /* 20-27: MOV Rd,Cd; MOV Rd,Dd; MOV Cd,Rd; MOV Dd,Rd (register operands whatever mod
     * says); test registers (386/486 only) */
    M | G, M | G, M | G, M | G, UD, UD, UD, UD,
    /* 28-2F: MOVAPS/PD V,W; MOVAPS/PD W,V; CVTPI2PS/PD CVTSI2SS/SD; MOVNTPS/PD (AMD: and
     * MOVNTSS/SD) M,V; CVTT..; CVT..; UCOMISS/SD; COMISS/SD */
    M | R, M | ST, M | R, M | ST | MEM, M | R, M | R, M | R, M | R,
    /* 30-37: WRMSR RDTSC RDMSR RDPMC SYSENTER SYSEXIT - GETSEC */
    0, 0, 0, 0, 0, 0, UD, 0,
    /* 38-3F: three-byte escape 0F 38; -; three-byte escape 0F 3A; - */
    UD, UD, UD, UD, UD, UD, UD, UD,
    /* 40-4F: CMOVcc Gv,Ev */
    M | R, M | R, M | R, M | R, M | R, M | R, M | R, M | R,
    M | R, M | R, M | R, M | R, M | R, M | R, M | R, M | R,
    /* 50-57: MOVMSKPS/PD Gd,U; SQRT; RSQRT; RCP; AND; ANDN; OR; XOR (PS/PD/SS/SD) */
    M | REG, M | R, M | R, M | R, M | R, M | R, M | R, M | R,
    /* 58-5F: ADD MUL CVT.. CVT..DQ SUB MIN DIV MAX (PS/PD/SS/SD) */
    M | R, M | R, M | R, M | R, M | R, M | R, M | R, M | R,
    /* 60-67: PUNPCKLBW PUNPCKLWD PUNPCKLDQ PACKSSWB PCMPGTB PCMPGTW PCMPGTD PACKUSWB */
    M | R, M | R, M | R, M | R, M | R, M | R, M | R, M | R,
    /* 68-6F: PUNPCKHBW PUNPCKHWD PUNPCKHDQ PACKSSDW PUNPCKLQDQ PUNPCKHQDQ MOVD/Q P,Ey;
     * MOVQ/MOVDQA/MOVDQU P,Q */
    M | R, M | R, M | R, M | R, M | R, M | R, M | R, M | R,
    /* 70-77: PSHUFW/PSHUFD/PSHUFHW/PSHUFLW Ib; groups 12 13 14 (shift by Ib, register
     * only); PCMPEQB PCMPEQW PCMPEQD; EMMS */
    M | R | IB, M | G | IB | REG, M | G | IB | REG, M | G | IB | REG, M | R, M | R, M | R, 0,
    /* 78-7F: VMREAD Ey,Gy / EXTRQ / INSERTQ; VMWRITE Gy,Ey / EXTRQ / INSERTQ; -; -;
     * HADDPD/PS; HSUBPD/PS; MOVD/Q Ey,P / MOVQ V,W (F3); MOVQ/MOVDQA/MOVDQU Q,P */
    M | G, M | G, UD, UD, M | R, M | R, M | G, M | ST,
    /* 80-8F: Jcc Jz */
    IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ, IZ,
    /* 90-9F: SETcc Eb */
    M | ST, M | ST, M | ST, M | ST, M | ST, M | ST, M | ST, M | ST,
    M | ST, M | ST, M | ST, M | ST, M | ST, M | ST, M | ST, M | ST,
    /* A0-A7: PUSH FS; POP FS; CPUID; BT Ev,Gv; SHLD Ev,Gv,Ib; SHLD Ev,Gv,CL; -; - */
    IMP, IMP, 0, M | R, M | RW | IB, M | RW, UD, UD,
    /* A8-AF: PUSH GS; POP GS; RSM; BTS Ev,Gv; SHRD Ev,Gv,Ib; SHRD Ev,Gv,CL; group 15;
     * IMUL Gv,Ev */
    IMP, IMP, 0, ALU_E, M | RW | IB, M | RW, M | G, M | R,
    /* B0-B7: CMPXCHG Eb,Gb Ev,Gv; LSS Gv,Mp; BTR Ev,Gv; LFS; LGS; MOVZX Gv,Eb Gv,Ew */
    ALU_E, ALU_E, M | R | MEM, ALU_E, M | R | MEM, M | R | MEM, M | R, M | R,
    /* B8-BF: POPCNT (F3; JMPE otherwise); UD1 Gv,Ev; group 8 Ev,Ib; BTC Ev,Gv;
     * BSF/TZCNT; BSR/LZCNT; MOVSX Gv,Eb Gv,Ew */
    M | R, M, M | G | IB, ALU_E, M | R, M | R, M | R, M | R,
    /* C0-C7: XADD Eb,Gb Ev,Gv; CMPPS/PD/SS/SD Ib; MOVNTI My,Gy; PINSRW Ib; PEXTRW Gd,U,Ib;
     * SHUFPS/PD Ib; group 9 */
    ALU_E, ALU_E, M | R | IB, M | ST | MEM, M | R | IB, M | IB | REG, M | R | IB, M | G,
    /* C8-CF: BSWAP r */
    0, 0, 0, 0, 0, 0, 0, 0,
    /* D0-D7: ADDSUBPD/PS; PSRLW PSRLD PSRLQ PADDQ PMULLW; MOVQ W,V (66) / MOVQ2DQ /
     * MOVDQ2Q; PMOVMSKB Gd,U */
    M | R, M | R, M | R, M | R, M | R, M | R, M | G, M | REG,
    /* D8-DF: PSUBUSB PSUBUSW PMINUB PAND PADDUSB PADDUSW PMAXUB PANDN */
    M | R, M | R, M | R, M | R, M | R, M | R, M | R, M | R,
    /* E0-E7: PAVGB PSRAW PSRAD PAVGW PMULHUW PMULHW CVT(T)PD2DQ/CVTDQ2PD; MOVNTQ/MOVNTDQ */
    M | R, M | R, M | R, M | R, M | R, M | R, M | R, M | ST | MEM,
    /* E8-EF: PSUBSB PSUBSW PMINSW POR PADDSB PADDSW PMAXSW PXOR */
    M | R, M | R, M | R, M | R, M | R, M | R, M | R, M | R,
    /* F0-F7: LDDQU V,M (F2); PSLLW PSLLD PSLLQ PMULUDQ PMADDWD PSADBW; MASKMOVQ/MASKMOVDQU
     * (stores to DS:rDI) */
    M | R | MEM, M | R, M | R, M | R, M | R, M | R, M | R, M | REG | IMP | W,
    /* F8-FF: PSUBB PSUBW PSUBD PSUBQ PADDB PADDW PADDD; UD0 Gd,Ed */
    M | R, M | R, M | R, M | R, M | R, M | R, M | R, M,
};

/*
 * Mandatory prefixes of the 0F map: which of "none", 66, F3, F2 (bits 0, 1, 2, 3; one hex
 * digit per opcode, a row of 16 per string) define the opcode (SDM vol. 2 table A-3 and the
 * instruction pages). The last of F2/F3 selects the instruction, or 66 when neither is there.
 * F means the prefixes are ignored or all defined (including all non-SSE opcodes).
 */
static const char map2_pfx[16][17] = {
    "FFFFFFFFFFFFFFFF", /* 00 */
    "FFF33373FFFFFFFF", /* 10: 13 14 15 17: none/66; 16: none/66/F3 */
    "FFFFFFFF33FFFF33", /* 20: 28 29 2E 2F: none/66 */
    "FFFFFFFFFFFFFFFF", /* 30 */
    "FFFFFFFFFFFFFFFF", /* 40: CMOVcc */
    "3F553333FFF7FFFF", /* 50: 52 53 RSQRT/RCP: none/F3; 5B: none/66/F3 */
    "3333333333332237", /* 60: 6C 6D: 66 only; 6F: none/66/F3 */
    "F3333331BBFFAA77", /* 70: 77 EMMS: none; 78 79: none/66/F2; 7C 7D: 66/F2 */
    "FFFFFFFFFFFFFFFF", /* 80 */
    "FFFFFFFFFFFFFFFF", /* 90 */
    "FFFFFFFFFFFFFFFF", /* A0 */
    "FFFFFFFF4FFFFFFF", /* B0: B8 POPCNT: F3 only (JMPE, IA-64 only, otherwise) */
    "FFF1333FFFFFFFFF", /* C0: C3 MOVNTI: none; C4-C6: none/66 */
    "A33333E333333333", /* D0: D0: 66/F2; D6: 66/F3/F2 */
    "333333E333333333", /* E0: E6: 66/F3/F2 */
    "833333333333333F", /* F0: F0 LDDQU: F2 only; FF UD0: any */
};

/*
 * The three-byte maps' defined legacy-encoded opcodes, one bit per opcode (SDM vol. 2
 * tables; APM vol. 3 table ). Every 0F 38 opcode has a ModRM byte and no
 * immediate; every 0F 3A opcode has a ModRM byte and an imm8.
 */
static const uint32_t map38_ok[8] = {
    0x70B10FFFu, /* 00-0B SSSE3; 10 14 15 17 BLENDV/PTEST; 1C-1E PABS */
    0xFFBF0F3Fu, /* 20-25 PMOVSX; 28-2B; 30-35 PMOVZX; 37-3F PCMPGTQ PMIN/PMAX */
    0x00000003u, /* 40 PMULLD; 41 PHMINPOSUW */
    0x00000000u,
    0x00000007u, /* 80 INVEPT; 81 INVVPID; 82 INVPCID */
    0x00000000u,
    0xF900BF00u, /* C8-CD SHA; CF GF2P8MULB; D8 KL wide; DB-DF AESIMC AES/KL */
    0x1F630000u, /* F0 F1 MOVBE/CRC32; F5 WRUSS; F6 WRSS/ADCX/ADOX (F2-F4: VEX only);
                  * F8 MOVDIR64B/ENQCMD(S); F9 MOVDIRI; FA FB ENCODEKEY; FC RAO-INT */
};

static const uint32_t map3a_ok[8] = {
    0x00F0FF00u, /* 08-0F ROUND BLEND PALIGNR; 14-17 PEXTRB/W/D/Q EXTRACTPS */
    0x00000007u, /* 20 PINSRB; 21 INSERTPS; 22 PINSRD/Q */
    0x00000017u, /* 40 DPPS; 41 DPPD; 42 MPSADBW; 44 PCLMULQDQ */
    0x0000000Fu, /* 60-63 PCMPESTRM/ESTRI/ISTRM/ISTRI */
    0x00000000u, 0x00000000u,
    0x8000D000u, /* CC SHA1RNDS4; CE CF GF2P8AFFINE(INV)QB; DF AESKEYGENASSIST */
    0x00010000u, /* F0 HRESET */
};

/*
 * x87 register forms (mod == 3): for D8+i and ModRM.reg r, bit rm of x87_reg_ok[i][r] says
 * whether D8+i, C0+8r+rm is defined (SDM vol. 2 tables; AMD's FFREEP DF C0+i
 * included).
 */
static const uint8_t x87_reg_ok[8][8] = {
    { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, /* D8: FADD..FDIVR st,st(i) */
    { 0xff, 0xff, 0x01, 0x00, 0x33, 0x7f, 0xff, 0xff }, /* D9: FLD FXCH FNOP - FCHS.. */
    { 0xff, 0xff, 0xff, 0xff, 0x00, 0x02, 0x00, 0x00 }, /* DA: FCMOVcc; FUCOMPP */
    { 0xff, 0xff, 0xff, 0xff, 0x0c, 0xff, 0xff, 0x00 }, /* DB: FCMOVNcc FNCLEX FNINIT.. */
    { 0xff, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff }, /* DC: FADD..FDIV st(i),st */
    { 0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00 }, /* DD: FFREE FST FSTP FUCOM(P) */
    { 0xff, 0xff, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff }, /* DE: FADDP..; FCOMPP */
    { 0xff, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0x00 }, /* DF: FFREEP; FNSTSW AX; F(U)COMIP */
};

/*
 * x87 memory forms: bit r of x87_mem_ud[i] marks D8+i /r as undefined, of x87_mem_wr[i] as
 * a store (FST, FSTP, FIST(P), FISTTP, FNSTENV, FNSTCW, FNSAVE, FNSTSW, FBSTP; the others
 * load), of x87_mem_plain[i] as a store with no other effect (FST, FIST, FNSTCW, FNSTSW).
 */
static const uint8_t x87_mem_ud[8] = { 0x00, 0x02, 0x00, 0x50, 0x00, 0x20, 0x00, 0x00 };
static const uint8_t x87_mem_wr[8] = { 0x00, 0xcc, 0x00, 0x8e, 0x00, 0xce, 0x00, 0xce };
static const uint8_t x87_mem_plain[8] = { 0x00, 0x84, 0x00, 0x04, 0x00, 0x84, 0x00, 0x04 };

/* ---- The decoder ------------------------------------------------------------------------- */

#define PFX_NONE 1u
#define PFX_66 2u
#define PFX_F3 4u
#define PFX_F2 8u

struct decoder {
    const uint8_t *bytes;
    unsigned int avail; /* bytes that may be read: min(avail, 15) */
    unsigned int pos;   /* next byte */
    int mode;
    uint8_t rex;         /* the REX prefix, 0 without */
    bool opsize_pfx;     /* 66 */
    bool adsize_pfx;     /* 67 */
    bool lock;           /* F0 */
    uint8_t rep;         /* the last of F2/F3, 0 without */
    unsigned int opsize; /* operand size in bytes: 2, 4 or 8 */
    unsigned int adsize; /* address size in bytes: 2, 4 or 8 */
    bool has_modrm;
    uint8_t modrm;
    unsigned int mod, reg, rm; /* reg includes REX.R */
};

static bool fetch(struct decoder *d, uint8_t *b)
{
    if (d->pos >= d->avail)
        return false;
    *b = d->bytes[d->pos++];
    return true;
}

/* Skip n bytes (displacement or immediate) that must be present. */
static bool skip(struct decoder *d, unsigned int n)
{
    if (n > d->avail - d->pos)
        return false;
    d->pos += n;
    return true;
}

/* Peek at the byte after the opcode without consuming it. */
static bool peek(const struct decoder *d, uint8_t *b)
{
    if (d->pos >= d->avail)
        return false;
    *b = d->bytes[d->pos];
    return true;
}

/* The prefixes (PFX_* bits) that define 0F op, from map2_pfx. */
static unsigned int map2_prefixes(uint8_t op)
{
    char c = map2_pfx[op >> 4][op & 15];
    return c >= 'A' ? (unsigned int)(c - 'A' + 10) : (unsigned int)(c - '0');
}

/* The mandatory prefix as one of PFX_*: the last F2/F3, else 66, else none. */
static unsigned int mandatory_prefix(const struct decoder *d)
{
    if (d->rep == 0xf3)
        return PFX_F3;
    if (d->rep == 0xf2)
        return PFX_F2;
    return d->opsize_pfx ? PFX_66 : PFX_NONE;
}

/*
 * ModRM, then SIB and displacement (SDM vol. 2 tables 2-1 to 2-3; 2.2.1.6 for RIP-relative).
 * With force_reg the operand is a register whatever mod says (MOV to/from CRn/DRn).
 */
static bool decode_modrm(struct decoder *d, struct insn_info *out, bool force_reg)
{
    unsigned int disp = 0;
    uint8_t sib;

    if (!fetch(d, &d->modrm))
        return false;
    d->has_modrm = true;
    d->mod = d->modrm >> 6;
    d->reg = ((d->modrm >> 3) & 7) | ((d->rex & 0x04u) << 1);
    d->rm = d->modrm & 7;
    if (force_reg || d->mod == 3)
        return true;
    out->has_modrm_mem = true;
    if (d->adsize == 2) {
        /* [BX+SI] .. [BX]; rm 6 with mod 0 is [disp16] */
        if (d->mod == 0 && d->rm == 6)
            disp = 2;
        else
            disp = d->mod == 1 ? 1 : d->mod == 2 ? 2 : 0;
    } else {
        if (d->rm == 4) {
            if (!fetch(d, &sib))
                return false;
            /* SIB base 5 with mod 0: no base register, disp32 */
            if (d->mod == 0 && (sib & 7) == 5)
                disp = 4;
        }
        /* rm 5 with mod 0: disp32 (RIP-relative in 64-bit mode) */
        if (d->mod == 0 && d->rm == 5)
            disp = 4;
        else if (d->mod == 1)
            disp = 1;
        else if (d->mod == 2)
            disp = 4;
    }
    return skip(d, disp);
}

/* Bytes of an immediate of the given kind. */
static unsigned int imm_size(const struct decoder *d, unsigned int kind)
{
    switch (kind) {
    case IMM_B:
        return 1;
    case IMM_W:
        return 2;
    case IMM_Z:
        return d->opsize == 2 ? 2 : 4;
    case IMM_V:
        return d->opsize;
    case IMM_WB:
        return 3;
    case IMM_AP:
        return d->opsize == 2 ? 4 : 6;
    case IMM_MO:
        return d->adsize;
    default:
        return 0;
    }
}

/* Set reg_dest (or reg_dest_high8) for a load of src bytes into ModRM.reg, dst bytes wide. */
static void set_load(const struct decoder *d, struct insn_info *out, unsigned int reg,
                     unsigned int dst, unsigned int src, bool sext)
{
    if (dst == 1 && !d->rex && reg >= 4 && reg < 8)
        out->reg_dest_high8 = (int)reg - 4;
    else
        out->reg_dest = (int)reg;
    out->op_size = dst;
    out->src_size = src;
    out->sign_extend = sext;
}

/*
 * The groups and opcodes of the one-byte map whose use depends on ModRM.reg or the mode.
 * Returns the attributes to apply (A_R/A_W/A_PL/A_IMP/A_LK, A_UD when undefined) and may add
 * an immediate through *imm.
 */
static uint16_t group_one(const struct decoder *d, uint8_t op, unsigned int *imm)
{
    unsigned int r = d->reg & 7;

    switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83: /* group 1: ADD OR ADC SBB AND SUB XOR CMP */
        return r == 7 ? R : RW | LK;
    case 0x8c: /* MOV Ev,Sw: ES CS SS DS FS GS */
        return r > 5 ? UD : ST;
    case 0x8e: /* MOV Sw,Ew: loading CS is undefined */
        return (r == 1 || r > 5) ? UD : R;
    case 0x8f: /* group 1a: POP Ev (other reg values are XOP, refused before) */
        return r == 0 ? W | IMP : UD;
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
        /* group 2: ROL ROR RCL RCR SHL SHR SAL(/6, an alias of SHL) SAR */
        return RW;
    case 0xc6: case 0xc7: /* group 11: MOV Eb,Ib / Ev,Iz; XABORT Ib / XBEGIN Jz (F8) */
        if (r == 0)
            return ST;
        return (r == 7 && d->modrm == 0xf8) ? 0 : UD;
    case 0xf6: case 0xf7: /* group 3: TEST TEST NOT NEG MUL IMUL DIV IDIV */
        if (r <= 1) {
            *imm = op == 0xf6 ? 1 : (d->opsize == 2 ? 2 : 4);
            return R;
        }
        return r <= 3 ? RW | LK : R;
    case 0xfe: /* group 4: INC DEC Eb */
        return r <= 1 ? RW | LK : UD;
    case 0xff: /* group 5: INC DEC CALL CALLF JMP JMPF PUSH - */
        switch (r) {
        case 0: case 1:
            return RW | LK;
        case 2:
            return R | IMP;
        case 3:
            return d->mod == 3 ? UD : R | IMP;
        case 4:
            return R;
        case 5:
            return d->mod == 3 ? UD : R;
        case 6:
            return R | IMP;
        default:
            return UD;
        }
    default:
        return UD;
    }
}

/* x87 escapes D8-DF (SDM vol. 2 A.4): a ModRM byte, never an immediate. */
static uint16_t group_x87(const struct decoder *d, uint8_t op)
{
    unsigned int i = op - 0xd8u, r = d->reg & 7;

    if (d->mod == 3)
        return (x87_reg_ok[i][r] >> d->rm) & 1 ? 0 : UD;
    if ((x87_mem_ud[i] >> r) & 1)
        return UD;
    if ((x87_mem_wr[i] >> r) & 1)
        return ((x87_mem_plain[i] >> r) & 1) ? ST : W;
    return R;
}

/* The groups and prefix-dependent opcodes of the 0F map. */
static uint16_t group_two(const struct decoder *d, uint8_t op, unsigned int *imm)
{
    unsigned int r = d->reg & 7, pfx = mandatory_prefix(d);
    bool mem = d->mod != 3;

    switch (op) {
    case 0x00: /* group 6: SLDT STR LLDT LTR VERR VERW - - */
        return r <= 1 ? ST : r <= 5 ? R : UD;
    case 0x01: /* group 7 */
        if (!mem)
            return 0; /* VMCALL, MONITOR, XGETBV, VMRUN, SWAPGS, RDTSCP, ... (3 bytes) */
        switch (r) {
        case 0: case 1: case 4: /* SGDT SIDT SMSW */
            return W;
        case 2: case 3: case 6: /* LGDT LIDT LMSW */
            return R;
        case 5: /* RSTORSSP (F3) */
            return pfx == PFX_F3 ? RW : UD;
        default: /* INVLPG: no data access */
            return 0;
        }
    case 0x20: case 0x22: /* MOV from/to CR0 CR2 CR3 CR4 CR8 */
        return (d->reg == 0 || d->reg == 2 || d->reg == 3 || d->reg == 4 || d->reg == 8) ? 0
                                                                                        : UD;
    case 0x21: case 0x23: /* MOV from/to DR0-DR7 */
        return d->reg < 8 ? 0 : UD;
    case 0x71: case 0x72: /* groups 12 13: PSRL PSRA PSLL by Ib (/2 /4 /6; no PSRAQ) */
        return (r == 2 || r == 6 || (r == 4)) ? 0 : UD;
    case 0x73: /* group 14: PSRLQ PSRLDQ(66) PSLLQ PSLLDQ(66) */
        return (r == 2 || r == 6 || ((r == 3 || r == 7) && pfx == PFX_66)) ? 0 : UD;
    case 0x78: /* VMREAD Ey,Gy; EXTRQ V,Ib,Ib (66); INSERTQ V,U,Ib,Ib (F2) */
        if (pfx == PFX_NONE)
            return mem ? W : 0;
        if (mem)
            return UD;
        *imm = 2;
        return 0;
    case 0x79: /* VMWRITE Gy,Ey; EXTRQ V,U (66); INSERTQ V,U (F2) */
        if (pfx == PFX_NONE)
            return R;
        return mem ? UD : 0;
    case 0x7e: /* MOVD/MOVQ Ey,P / Ey,V (store); MOVQ V,W (F3, load) */
        return pfx == PFX_F3 ? R : ST;
    case 0xae: /* group 15 */
        if (mem) {
            /* FXSAVE FXRSTOR LDMXCSR STMXCSR XSAVE XRSTOR XSAVEOPT CLFLUSH; with 66:
             * CLWB (/6), CLFLUSHOPT (/7); with F3: PTWRITE (/4, reads). The legacy ones
             * ignore the other prefixes. */
            if (r == 4 && pfx == PFX_F3)
                return R;
            if (r == 6 && pfx == PFX_66)
                return 0;
            return (r == 0 || r == 3 || r == 4 || r == 6) ? W : r == 7 ? 0 : R;
        }
        /* RDFSBASE RDGSBASE WRFSBASE WRGSBASE (F3, 64-bit mode); PTWRITE (F3 /4); INCSSP
         * (F3 /5); LFENCE
         * MFENCE SFENCE; UMONITOR (F3 /6), TPAUSE (66 /6), UMWAIT (F2 /6) */
        if (r <= 3)
            return (pfx == PFX_F3 && d->mode == 64) ? 0 : UD;
        if (r == 4) /* PTWRITE (F3) */
            return pfx == PFX_F3 ? 0 : UD;
        return 0;
    case 0xba: /* group 8: - - - - BT BTS BTR BTC Ev,Ib */
        return r < 4 ? UD : r == 4 ? R : RW | LK;
    case 0xc7: /* group 9 */
        if (!mem) /* RDRAND (/6), RDSEED, RDPID (F3) (/7) */
            return r >= 6 ? 0 : UD;
        switch (r) {
        case 1: /* CMPXCHG8B/16B */
            return RW | LK;
        case 3: case 6: /* XRSTORS; VMPTRLD VMCLEAR VMXON */
            return R;
        case 4: case 5: case 7: /* XSAVEC XSAVES; VMPTRST */
            return W;
        default:
            return UD;
        }
    case 0xd6: /* MOVQ W,V (66, store); MOVQ2DQ (F3), MOVDQ2Q (F2): register only */
        if (pfx == PFX_66)
            return ST;
        return mem ? UD : 0;
    default:
        return UD;
    }
}

/* Operand and address sizes from the mode and prefixes (SDM vol. 1 3.6, vol. 2 2.2.1.2). */
static void set_sizes(struct decoder *d)
{
    if (d->mode == 64) {
        d->opsize = (d->rex & 0x08u) ? 8 : d->opsize_pfx ? 2 : 4;
        d->adsize = d->adsize_pfx ? 4 : 8;
    } else if (d->mode == 32) {
        d->opsize = d->opsize_pfx ? 2 : 4;
        d->adsize = d->adsize_pfx ? 2 : 4;
    } else {
        d->opsize = d->opsize_pfx ? 4 : 2;
        d->adsize = d->adsize_pfx ? 4 : 2;
    }
}

int insn_decode(const uint8_t *bytes, unsigned int avail, int mode, struct insn_info *out)
{
    struct decoder d = { 0 };
    uint16_t attr, use = 0;
    unsigned int imm = 0, map = 1, pfx;
    uint8_t op, b;
    bool cr8_lock = false;

    if (!bytes || !out || (mode != 16 && mode != 32 && mode != 64))
        return -EINVAL;
    *out = (struct insn_info){ .reg_dest = -1, .reg_dest_high8 = -1 };
    d.bytes = bytes;
    d.avail = avail < INSN_MAX_LEN ? avail : INSN_MAX_LEN;
    d.mode = mode;

    /* Prefixes (SDM vol. 2 2.1.1, 2.2.1): a REX not directly before the opcode is ignored. */
    for (;;) {
        if (!fetch(&d, &b))
            return -EINVAL;
        switch (b) {
        case 0x66:
            d.opsize_pfx = true;
            break;
        case 0x67:
            d.adsize_pfx = true;
            break;
        case 0xf0:
            d.lock = true;
            break;
        case 0xf2: case 0xf3:
            d.rep = b;
            break;
        case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
            break;
        default:
            if (mode == 64 && (b & 0xf0) == 0x40) {
                d.rex = b;
                continue;
            }
            goto opcode;
        }
        d.rex = 0;
    }
opcode:
    op = b;
    set_sizes(&d);

    if (op == 0x0f) {
        if (!fetch(&d, &op))
            return -EINVAL;
        map = 2;
        if (op == 0x38 || op == 0x3a) {
            map = op == 0x38 ? 3 : 4;
            if (!fetch(&d, &op))
                return -EINVAL;
        }
    }

    if (map == 1) {
        attr = map1[op];
        /*
         * C4/C5 (LES/LDS) and 62 (BOUND) outside 64-bit mode need a memory operand: with
         * mod == 3 they are VEX and EVEX prefixes; in 64-bit mode they always are. 8F with
         * ModRM.reg != 0 is XOP when the map-select field is 8 or more.
         */
        if (op == 0xc4 || op == 0xc5 || op == 0x62) {
            if (mode == 64)
                return -EOPNOTSUPP;
            if (!peek(&d, &b))
                return -EINVAL;
            if ((b >> 6) == 3)
                return -EOPNOTSUPP;
        } else if (op == 0x8f) {
            if (!peek(&d, &b))
                return -EINVAL;
            if ((b & 0x38) && (b & 0x1f) >= 8)
                return -EOPNOTSUPP;
        } else if (op == 0x63 && mode == 64) {
            attr = M | R; /* MOVSXD Gv,Ed */
        }
        if ((attr & A_UD) || (mode == 64 && (attr & A_I64)))
            return -EINVAL;
        if ((attr & A_M) && !decode_modrm(&d, out, false))
            return -EINVAL;
        imm = imm_size(&d, (attr & A_IMM_MASK) >> A_IMM_SHIFT);
        if (attr & A_G) {
            unsigned int extra = 0;
            use = op >= 0xd8 && op <= 0xdf ? group_x87(&d, op) : group_one(&d, op, &extra);
            if (use & A_UD)
                return -EINVAL;
            imm += extra;
        } else {
            use = attr;
        }
    } else if (map == 2) {
        attr = map2[op];
        pfx = mandatory_prefix(&d);
        if ((attr & A_UD) || !(map2_prefixes(op) & pfx))
            return -EINVAL;
        if ((attr & A_M) &&
            !decode_modrm(&d, out, op >= 0x20 && op <= 0x23 /* CRn/DRn moves */))
            return -EINVAL;
        imm = imm_size(&d, (attr & A_IMM_MASK) >> A_IMM_SHIFT);
        if (attr & A_G) {
            unsigned int extra = 0;
            use = group_two(&d, op, &extra);
            if (use & A_UD)
                return -EINVAL;
            imm += extra;
        } else {
            use = attr;
        }
        /* AMD: LOCK MOV CR0 is the alternative encoding of CR8 (from 32-bit mode too) */
        if ((op == 0x20 || op == 0x22) && d.reg == 0)
            cr8_lock = true;
    } else {
        const uint32_t *ok = map == 3 ? map38_ok : map3a_ok;
        if (!((ok[op >> 5] >> (op & 31)) & 1))
            return -EINVAL;
        if (!decode_modrm(&d, out, false))
            return -EINVAL;
        pfx = mandatory_prefix(&d);
        attr = M;
        use = R;
        if (map == 4) {
            imm = 1;
            if (op >= 0x14 && op <= 0x17) /* PEXTRB/W/D/Q, EXTRACTPS: stores */
                use = ST;
        } else if (op == 0xf1 && pfx != PFX_F2) { /* MOVBE My,Gy (F2: CRC32 reads) */
            use = W;
        } else if (op == 0xf5 || (op == 0xf6 && pfx == PFX_NONE)) { /* WRUSS, WRSS */
            use = W;
        } else if (op == 0xf8) { /* MOVDIR64B, ENQCMD(S): write to [reg] */
            use = R | IMP;
        } else if (op == 0xf9) { /* MOVDIRI */
            use = ST;
        } else if (op == 0xfc) { /* AADD AAND AOR AXOR */
            use = RW;
        }
    }

    /* Register-only and memory-only forms */
    if (d.has_modrm && (attr & (A_MEM | A_REG))) {
        if ((attr & A_MEM) && d.mod == 3)
            return -EINVAL;
        if ((attr & A_REG) && d.mod != 3)
            return -EINVAL;
    }
    /* LOCK (SDM vol. 2, LOCK): only read-modify-write instructions with a memory destination */
    if (d.lock && !cr8_lock && !((use & A_LK) && out->has_modrm_mem))
        return -EINVAL;
    if (!skip(&d, imm))
        return -EINVAL;

    out->length = d.pos;
    out->is_string = use & A_STR;
    out->implicit_mem = use & (A_IMP | A_STR);
    if (out->has_modrm_mem || (map == 1 && ((attr & A_IMM_MASK) == MO || (use & A_STR)))) {
        out->is_read = use & A_R;
        out->is_write = use & A_W;
        out->plain_store = (use & A_PL) && !(use & A_STR);
    }
    if (map == 1 && op == 0xd7) /* XLAT: reads [rBX + AL] */
        out->is_read = true;

    /* Plain loads into a general register */
    if (map == 1 && (op == 0x8a || op == 0x8b) && out->has_modrm_mem)
        set_load(&d, out, d.reg, op == 0x8a ? 1 : d.opsize, op == 0x8a ? 1 : d.opsize, false);
    else if (map == 1 && (op == 0xa0 || op == 0xa1))
        set_load(&d, out, 0, op == 0xa0 ? 1 : d.opsize, op == 0xa0 ? 1 : d.opsize, false);
    else if (map == 1 && op == 0x63 && mode == 64 && out->has_modrm_mem)
        set_load(&d, out, d.reg, d.opsize, d.opsize == 8 ? 4 : d.opsize, true);
    else if (map == 2 && (op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf) &&
             out->has_modrm_mem)
        set_load(&d, out, d.reg, d.opsize, (op & 1) ? 2 : 1, op >= 0xbe);
    return 0;
}
